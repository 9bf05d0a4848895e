// Eviction of the oldest entry of a bounded Map, in insertion order, at O(1) a call.
//
// `map.keys().next()` looks like O(1) but is not once entries have been deleted from the front:
// V8's ordered hash tables keep a deleted entry as a hole until the next rehash, and a fresh
// iterator walks over every hole before the first live entry. A table kept full by deleting its
// oldest entry and adding one (a flood of spoofed addresses does that for every packet) pays
// O(size) per eviction: a 1 M-packet SYN flood spent 24 s of 57 there. One iterator kept alive
// across calls stands after the entries it removed, so each call walks only what is new.
// Order is exactly the Map's: entries are appended on insertion, so everything before the
// iterator's place has been removed; one deleted and set again is at the end, as the Map has it.

export class OldestFirst<K, V> {
  private it: Iterator<K> | undefined;

  constructor(private readonly map: Map<K, V>) {}

  /** Removes the oldest entry and returns its key and value; undefined when the map is empty. */
  take(): [K, V] | undefined {
    let r = this.it?.next();
    if (r === undefined || r.done === true) {
      // A spent iterator stays spent (the map was emptied past it): start again at the front.
      this.it = this.map.keys();
      r = this.it.next();
      if (r.done === true) return undefined;
    }
    const k = r.value;
    const v = this.map.get(k) as V;
    this.map.delete(k);
    return [k, v];
  }
}

// Options that take a list are repeated (`--capture a.pcap --capture b.pcap`), never variadic:
// a variadic option would swallow the positional arguments after it
// (`firmware audit --capture a.pcap fw.img` must treat fw.img as the image).
export function repeatable(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

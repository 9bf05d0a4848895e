// After a snapshot is stored: tell the live hub what changed, as contract events.
import type { Store } from '../../store/store.js';
import type { LiveHub } from './hub.js';

export async function publishChanges(
  ctx: { store: Store; hub: LiveHub },
  deviceIds: readonly string[],
  alertIds: readonly string[],
): Promise<void> {
  if (ctx.hub.size === 0) return;
  for (const id of deviceIds) {
    const device = await ctx.store.devices.item(id);
    if (device !== undefined) ctx.hub.publish({ type: 'device', device });
  }
  for (const alert of await ctx.store.alerts.getMany(alertIds)) ctx.hub.publish({ type: 'alert', alert });
}

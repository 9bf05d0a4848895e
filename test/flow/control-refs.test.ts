// A shard's count of what may still name each flow as its control flow (dispatch.ts ControlRefs):
// announcements still expected and the flows tied to them. A flow is released (its run-wide id no
// longer mapped on the main thread) at its end, or — when it ends while named — once nothing can
// name it any more.
import { describe, expect, it } from 'vitest';
import { ControlRefs, Dispatcher } from '../../src/flow/dispatch.js';
import { Flow } from '../../src/flow/table.js';

function flow(id: number, client: [string, number], server: [string, number]): Flow {
  const f = new Flow();
  f.id = id;
  f.client = { ip: client[0], port: client[1] };
  f.server = { ip: server[0], port: server[1] };
  f.cPort = client[1];
  f.sPort = server[1];
  return f;
}

function shardDispatcher(): { d: Dispatcher; refs: ControlRefs } {
  const d = new Dispatcher();
  const refs = new ControlRefs();
  d.refs = refs;
  return { d, refs };
}

describe('the control flows a shard may still name', () => {
  it('a flow no announcement names is released at its end', () => {
    const { refs } = shardDispatcher();
    refs.end(1);
    expect(refs.take()).toEqual([1]);
    expect(refs.held).toBe(0);
  });

  it('an FTP control flow stays named while its announcement waits, then while its data flow lives', () => {
    const { d, refs } = shardDispatcher();
    d.expectFlow('10.40.12.5', 50000, 'tcp', 'ftp-data', 7);
    refs.end(7); // the control flow closes before the data connection opens
    expect(refs.take()).toEqual([]);
    expect(refs.held).toBe(1);
    const data = flow(9, ['10.40.13.7', 40002], ['10.40.12.5', 50000]);
    expect(d.claimExpected('tcp', data)).toBe('ftp-data');
    expect(data.controlFlowId).toBe(7);
    expect(refs.take()).toEqual([]); // the data flow took the count over
    expect(refs.held).toBe(1);
    refs.end(9);
    refs.drop(data.controlFlowId); // the data flow's end drops its tie
    expect(refs.take()).toEqual([9, 7]);
    expect(refs.held).toBe(0);
  });

  it('a TFTP request stays named by its transfer when its announcement is replaced', () => {
    const { d, refs } = shardDispatcher();
    d.expectFlow('10.40.13.8', 3000, 'udp', 'tftp', 7);
    const transfer = flow(8, ['10.40.12.6', 4000], ['10.40.13.8', 3000]);
    expect(d.claimExpected('udp', transfer)).toBe('tftp');
    // A new request from the same client port announces the same end: the old announcement goes.
    d.expectFlow('10.40.13.8', 3000, 'udp', 'tftp', 11);
    refs.end(7);
    expect(refs.take()).toEqual([]); // the transfer still names it
    expect(refs.held).toBe(1);
    refs.end(8);
    refs.drop(transfer.controlFlowId);
    expect(refs.take()).toEqual([8, 7]);
    refs.end(11); // still announced
    expect(refs.take()).toEqual([]);
    expect(refs.held).toBe(1);
  });

  it('announcements cleared at their bound release the ended flows they named', () => {
    const { d, refs } = shardDispatcher();
    for (let i = 0; i < 10_000; i++) d.expectFlow('10.40.12.5', 1 + i, 'tcp', 'ftp-data', 100 + (i % 50));
    for (let c = 100; c < 150; c++) refs.end(c);
    expect(refs.take()).toEqual([]);
    expect(refs.held).toBe(50);
    d.expectFlow('10.40.12.5', 60000, 'tcp', 'ftp-data', 500); // the 10 001st: the table is cleared
    const released = refs.take();
    expect(released.sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => 100 + i));
    expect(refs.held).toBe(0);
  });

  it('a dispatcher outside a shard counts nothing', () => {
    const d = new Dispatcher();
    d.expectFlow('10.40.12.5', 50000, 'tcp', 'ftp-data', 7);
    expect(d.refs).toBeUndefined();
    expect(d.claimExpected('tcp', flow(9, ['10.40.13.7', 40002], ['10.40.12.5', 50000]))).toBe('ftp-data');
  });
});

// An imaging modality storing studies on the PACS: A-ASSOCIATE-RQ/AC on TCP 104, one C-STORE
// (command + data set in P-DATA-TF PDUs) per image with its response, A-RELEASE-RQ/RP.
// Large images are streamed one PDU per wake-up, so a long study never sits in memory.
import * as dicom from '../../decode/dicom/encode.js';
import type { TcpConn } from '../tcp.js';
import type { Host } from '../wire.js';
import type { Actor, Device, Ward } from './net.js';

export interface ModalityOptions {
  readonly aeTitle: string;
  readonly pacsAe: string;
  readonly imagesPerStudy: number;
  readonly imageBytes: number;
  /** Pause between studies. */
  readonly gapUs: number;
}

export class Modality implements Actor {
  private readonly pixels: Uint8Array;
  private study = 0;

  constructor(
    private readonly ward: Ward,
    readonly dev: Device,
    private readonly pacs: Host,
    private readonly opts: ModalityOptions,
  ) {
    // One pixel buffer, reused for every image: content does not matter, only its size.
    this.pixels = dev.rng.bytes(opts.imageBytes);
  }

  start(t: number): void {
    t = this.ward.arpGateway(t, this.dev);
    this.ward.sim.at(t + this.dev.rng.int(1, 10) * 1e6, (n) => this.begin(n));
  }

  private begin(now: number): void {
    const c = this.ward.tcp(this.dev, this.pacs, 104);
    let t = c.connect(now);
    t = c.exchange(
      t,
      true,
      dicom.associateRq(this.opts.pacsAe, this.opts.aeTitle),
      dicom.associateAc(this.opts.pacsAe, this.opts.aeTitle),
      1_000,
    );
    this.study++;
    this.ward.sim.at(t, (n) => this.image(n, c, 1));
  }

  private image(now: number, c: TcpConn, i: number): void {
    const sop = `1.2.826.0.1.3680043.9.7133.${this.dev.host.ip & 255}.${this.study}.${i}`;
    const ds = dicom.ctImage(sop, `DOE^JANE${this.study % 7}`, `SIM${this.study}`, this.pixels);
    const t = c.send(now, true, dicom.pData(1, true, dicom.cStoreRq(i, sop))[0]!);
    const pdus = dicom.pData(1, false, ds);
    this.ward.sim.at(t, (n) => this.pdu(n, c, pdus, 0, i, sop));
  }

  private pdu(now: number, c: TcpConn, pdus: Uint8Array[], k: number, i: number, sop: string): void {
    let t = c.send(now, true, pdus[k]!);
    if (k + 1 < pdus.length) {
      this.ward.sim.at(t, (n) => this.pdu(n, c, pdus, k + 1, i, sop));
      return;
    }
    t = c.send(t + 2_000, false, dicom.pData(1, true, dicom.cStoreRsp(i, sop))[0]!);
    if (i < this.opts.imagesPerStudy) {
      this.ward.sim.at(t + 500, (n) => this.image(n, c, i + 1));
      return;
    }
    t = c.exchange(t + 1_000, true, dicom.releaseRq(), dicom.releaseRp());
    t = c.close(t + 200);
    this.ward.sim.at(t + this.opts.gapUs, (n) => this.begin(n));
  }
}

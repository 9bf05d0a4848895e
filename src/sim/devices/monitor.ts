// A bedside patient monitor: DHCP at boot, ADT^A01 on admission, PCD-01 ORU^R01 every few
// seconds over one persistent MLLP connection to the central station; retransmits on AE,
// drops a message on AR, reconnects after the station drops the connection (the first
// attempt is refused while the station restarts), ADT^A03 on discharge. With a backdoor
// profile it also behaves like the CMS8000.
import { Patient } from '../patient.js';
import { adt, type Hl7Header, mllp, oru } from '../../decode/hl7/messages.js';
import type { TcpConn } from '../tcp.js';
import type { Host } from '../wire.js';
import { Backdoor, type BackdoorOptions } from './backdoor.js';
import type { CentralLogic } from './central.js';
import type { Actor, Device, Ward } from './net.js';

export interface MonitorOptions {
  readonly bed: string;
  /** MSH-3 sending application (the model's name on CMS8000-style devices). */
  readonly app: string;
  /** OBX-18 equipment identifier, e.g. 'CMS8000^CONTEC'. */
  readonly equipment: string;
  readonly intervalUs: number;
  readonly patientIndex: number;
  readonly backdoor?: BackdoorOptions;
  /** Time the central station drops this monitor's connection (RST), if any. */
  readonly dropAt?: number;
  /** Time the patient is discharged (a new one is admitted 30 s later), if any. */
  readonly dischargeAt?: number;
}

export interface CentralRef {
  readonly host: Host;
  readonly port: number;
  readonly logic: CentralLogic;
}

export class Monitor implements Actor {
  private patient: Patient;
  private conn: TcpConn | null = null;
  private seq = 0;
  private readonly queue: string[] = [];
  private down = false;
  private readonly backdoor: Backdoor | null;
  sent = 0;
  acked = 0;

  constructor(
    private readonly ward: Ward,
    readonly dev: Device,
    private readonly central: CentralRef,
    private readonly opts: MonitorOptions,
  ) {
    this.patient = new Patient(dev.rng.fork(1), opts.patientIndex, ward.sim.now);
    this.backdoor = opts.backdoor ? new Backdoor(ward, dev, opts.backdoor) : null;
  }

  private header(): Hl7Header {
    return {
      sendingApp: this.opts.app,
      sendingFacility: 'WARD',
      receivingApp: this.central.logic.app,
      receivingFacility: this.central.logic.facility,
      controlId: `${this.opts.app.replace(/[^A-Z0-9]/gi, '')}${String(++this.seq).padStart(6, '0')}`,
    };
  }

  start(t: number): void {
    const sim = this.ward.sim;
    t = this.ward.dhcpBoot(t, this.dev);
    if (this.backdoor) t = this.backdoor.boot(t + 20_000);
    sim.at(t + 500_000, (now) => {
      this.queue.push(adt(this.header(), now, 'A01', this.patient.demo, this.opts.bed));
      this.flush(now);
      sim.at(now + this.opts.intervalUs, (n) => this.tick(n));
    });
    if (this.opts.dropAt !== undefined) sim.at(this.opts.dropAt, (now) => this.dropped(now));
    if (this.opts.dischargeAt !== undefined) sim.at(this.opts.dischargeAt, (now) => this.discharge(now));
    if (this.backdoor) {
      const poll = (now: number): void => {
        this.backdoor!.poll(now);
        sim.at(now + 60e6, poll);
      };
      sim.at(t + 60e6, poll);
    }
  }

  private tick(now: number): void {
    const v = this.patient.at(now);
    this.queue.push(oru(this.header(), now, this.patient.demo, this.opts.bed, v, this.opts.equipment));
    this.flush(now);
    // A little jitter, as a real device's timer drifts against the capture clock.
    this.ward.sim.at(now + this.opts.intervalUs + this.dev.rng.int(-20_000, 20_000), (n) => this.tick(n));
  }

  /** Send everything queued, one message and its ACK at a time. */
  private flush(t: number): number {
    if (this.down) return t;
    while (this.queue.length > 0) {
      if (!this.conn?.open) {
        this.conn = this.ward.tcp(this.dev, this.central.host, this.central.port);
        t = this.conn.connect(t);
      }
      const msg = this.queue.shift()!;
      t = this.sendOne(t, msg, true);
    }
    return t;
  }

  private sendOne(t: number, msg: string, mayRetry: boolean): number {
    const frame = mllp(msg);
    const res = this.central.logic.receive(msg, t);
    this.sent++;
    const end = this.conn!.exchange(t, true, frame, mllp(res.ack), 800);
    if (this.backdoor) this.backdoor.copy(t + 50, frame);
    if (res.code === 'AA') this.acked++;
    // AE: the station could not process it now — send it again once. AR: rejected, give up.
    else if (res.code === 'AE' && mayRetry) return this.sendOne(end + 1_000_000, msg, false);
    return end;
  }

  private dropped(now: number): void {
    if (!this.conn?.open) return;
    this.conn.reset(now, false);
    this.down = true;
    // The station is restarting: the first reconnect is refused, the second one works.
    const retry1 = now + 2e6;
    this.ward.sim.at(retry1, (n) => {
      this.ward.tcp(this.dev, this.central.host, this.central.port).refused(n);
      this.ward.sim.at(n + 5e6, (m) => {
        this.down = false;
        this.flush(m);
      });
    });
  }

  private discharge(now: number): void {
    this.queue.push(adt(this.header(), now, 'A03', this.patient.demo, this.opts.bed));
    this.flush(now);
    this.ward.sim.at(now + 30e6, (n) => {
      this.patient = new Patient(this.dev.rng.fork(2), this.opts.patientIndex + 1000, n);
      this.queue.push(adt(this.header(), n, 'A01', this.patient.demo, this.opts.bed));
      this.flush(n);
    });
  }
}

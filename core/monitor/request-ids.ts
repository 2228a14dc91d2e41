/**
 * Request ids: the client's own `x-request-id` when it sends a sane one, else one this process
 * makes up; and which ids this process has answered recently, so that feedback for an id it never
 * gave out can be counted.
 *
 * Made-up ids are `<16 hex digits drawn at start>-<12 hex digits counting up>`: unique across
 * restarts and replicas (64 random bits per process), and recognisable without storing them, so
 * remembering a million answers costs nothing per request. Client ids are kept in two
 * generations of sets (the older one dropped whole when the newer fills), never trimmed entry by
 * entry: deleting the oldest entry of a JavaScript Set one at a time made each request pay for
 * every earlier deletion (tens of microseconds per request once a million ids were held).
 * This file imports only node:crypto: it is bundled into exported model images.
 */
import { randomBytes } from 'node:crypto';

const CLIENT_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;
const COUNTER_DIGITS = 12;

export class RequestIds {
  private readonly prefix = randomBytes(8).toString('hex') + '-';
  private issued = 0;
  private clientIds = new Set<string>();
  private olderClientIds = new Set<string>();

  /** @param remember how many recent answers count as known (about; client ids: between half and all of it). */
  constructor(private readonly remember = 1_000_000) {}

  /** The client's `x-request-id` when it is a sane token (1–128 of A–Z a–z 0–9 . _ : @ / + = -), else a new id. */
  issue(header: string | string[] | undefined): string {
    const value = Array.isArray(header) ? header[0] : header;
    if (value !== undefined && CLIENT_ID.test(value)) return value;
    this.issued++;
    return this.prefix + this.issued.toString(16).padStart(COUNTER_DIGITS, '0');
  }

  /** Notes that `id` was answered (a made-up id needs no note: its counter says so). */
  answered(id: string): void {
    if (this.ownCounter(id) !== undefined) return;
    this.clientIds.add(id);
    if (this.clientIds.size >= Math.max(1, Math.ceil(this.remember / 2))) {
      this.olderClientIds = this.clientIds;
      this.clientIds = new Set();
    }
  }

  /** Whether `id` was answered recently by this process. */
  known(id: string): boolean {
    const counter = this.ownCounter(id);
    if (counter !== undefined) return counter >= 1 && counter <= this.issued && this.issued - counter < this.remember;
    return this.clientIds.has(id) || this.olderClientIds.has(id);
  }

  /** The counter of an id this process made up, or undefined. */
  private ownCounter(id: string): number | undefined {
    if (id.length !== this.prefix.length + COUNTER_DIGITS || !id.startsWith(this.prefix)) return undefined;
    const counter = Number.parseInt(id.slice(this.prefix.length), 16);
    return Number.isNaN(counter) ? undefined : counter;
  }
}

// The protobuf wire format underneath lib/otlp/proto-decode.ts: a bounded reader (varints, fixed
// widths, lengths, strings, skipping), exact 64-bit decimals without BigInt, hex ids, and the
// setters that apply proto3's "defaults are omitted" rule.
import { toPostgresText } from "@/lib/db/postgres-values";
import { TooManyObjectsError } from "./limits";

export class WireError extends Error {}

export const RECURSION_LIMIT = 100;
const TWO_32 = 4294967296;

// Wire types
export const VARINT = 0;
export const I64 = 1;
export const LEN = 2;
const SGROUP = 3;
const EGROUP = 4;
export const I32 = 5;

export const tag = (field: number, wireType: number) => (field << 3) | wireType;

export class Reader {
  pos = 0;
  /** The last 64-bit value read by varint64 / fixed64, as two uint32 halves. */
  lo = 0;
  hi = 0;
  private budget: number;
  constructor(readonly buf: Buffer, private readonly limit: number) {
    this.budget = limit;
  }

  /** One more object (or string) about to be created. */
  spend(): void {
    if (--this.budget < 0) throw new TooManyObjectsError(this.limit);
  }
}

function outOfRange(r: Reader, need: number, end: number): WireError {
  return new WireError(`index out of range: ${r.pos} + ${need} > ${end}`);
}

export function varint32(r: Reader): number {
  const buf = r.buf;
  let pos = r.pos;
  let result = 0;
  for (let shift = 0; shift < 70; shift += 7) {
    if (pos >= buf.length) throw outOfRange(r, pos - r.pos + 1, buf.length);
    const b = buf[pos++];
    if (shift < 32) result |= (b & 0x7f) << shift;
    if (b < 0x80) {
      r.pos = pos;
      return result >>> 0;
    }
  }
  throw new WireError(`invalid varint encoding at offset ${r.pos}`);
}

/** Reads a varint into r.lo / r.hi. */
export function varint64(r: Reader): void {
  const buf = r.buf;
  let pos = r.pos;
  let lo = 0;
  let hi = 0;
  for (let i = 0; i < 10; i++) {
    if (pos >= buf.length) throw outOfRange(r, pos - r.pos + 1, buf.length);
    const b = buf[pos++];
    const bits = b & 0x7f;
    if (i < 4) lo |= bits << (7 * i);
    else if (i === 4) {
      lo |= bits << 28; // the low 4 bits go to lo, the rest to hi
      hi |= bits >>> 4;
    } else hi |= bits << (7 * i - 32);
    if (b < 0x80) {
      r.pos = pos;
      r.lo = lo >>> 0;
      r.hi = hi >>> 0;
      return;
    }
  }
  throw new WireError(`invalid varint encoding at offset ${r.pos}`);
}

function need(r: Reader, n: number): void {
  if (r.pos + n > r.buf.length) throw outOfRange(r, n, r.buf.length);
}

/** Reads 8 little-endian bytes into r.lo / r.hi. */
export function fixed64(r: Reader): void {
  need(r, 8);
  r.lo = r.buf.readUInt32LE(r.pos);
  r.hi = r.buf.readUInt32LE(r.pos + 4);
  r.pos += 8;
}

export function fixed32(r: Reader): number {
  need(r, 4);
  const v = r.buf.readUInt32LE(r.pos);
  r.pos += 4;
  return v;
}

export function double(r: Reader): number {
  need(r, 8);
  const v = r.buf.readDoubleLE(r.pos);
  r.pos += 8;
  return v;
}

/** Reads a length prefix and returns where the value ends. */
export function lengthEnd(r: Reader): number {
  r.spend();
  const n = varint32(r);
  const end = r.pos + n;
  if (end > r.buf.length) throw outOfRange(r, n, r.buf.length);
  return end;
}

// Buffer#utf8Slice: what toString("utf8", …) calls after checking its arguments (as protobufjs
// does too); invalid UTF-8 becomes U+FFFD.
type Utf8Slicer = { utf8Slice(start: number, end: number): string };

export function string(r: Reader): string {
  const end = lengthEnd(r);
  // NUL is valid UTF-8 but not storable: U+FFFD, as the JSON path (lib/db/postgres-values.ts).
  const s = toPostgresText((r.buf as unknown as Utf8Slicer).utf8Slice(r.pos, end));
  r.pos = end;
  return s;
}

export function bytes(r: Reader): Buffer {
  const end = lengthEnd(r);
  const b = r.buf.subarray(r.pos, end);
  r.pos = end;
  return b;
}

/** After a sub-message's fields: its length must have been exactly consumed. */
export function endOf(r: Reader, end: number): void {
  if (r.pos !== end) throw new WireError(`index out of range: a field overruns its message (offset ${r.pos} > ${end})`);
}

export function skip(r: Reader, t: number, depth: number): void {
  switch (t & 7) {
    case VARINT:
      varint64(r);
      return;
    case I64:
      need(r, 8);
      r.pos += 8;
      return;
    case LEN:
      r.pos = lengthEnd(r);
      return;
    case I32:
      need(r, 4);
      r.pos += 4;
      return;
    case SGROUP: {
      if (depth > RECURSION_LIMIT) throw new WireError("max depth exceeded");
      for (;;) {
        const inner = varint32(r);
        if ((inner & 7) === EGROUP) {
          if (inner >>> 3 !== t >>> 3) throw new WireError(`invalid end group tag at offset ${r.pos}`);
          return;
        }
        skip(r, inner, depth + 1);
      }
    }
    default:
      throw new WireError(`invalid wire type ${t & 7} at offset ${r.pos}`);
  }
}

// ---- scalar conversions -------------------------------------------------------------------

function pad7(n: number): string {
  const s = String(n);
  return s.length >= 7 ? s : "0000000".slice(s.length) + s;
}

/** Unsigned 64-bit (lo, hi as uint32) to decimal, exactly, without BigInt. */
export function u64ToDecimal(lo: number, hi: number): string {
  if (hi <= 0x1fffff) return String(hi * TWO_32 + lo); // < 2^53: exact as a double
  // Split into 24-bit limbs and recombine in base 1e7 (the approach of Closure's jspb).
  const low = lo & 0xffffff;
  const mid = ((lo >>> 24) | (hi << 8)) & 0xffffff;
  const high = (hi >>> 16) & 0xffff;
  let a = low + mid * 6777216 + high * 6710656;
  let b = mid + high * 8147497;
  let c = high * 2;
  if (a >= 10000000) {
    b += Math.floor(a / 10000000);
    a %= 10000000;
  }
  if (b >= 10000000) {
    c += Math.floor(b / 10000000);
    b %= 10000000;
  }
  // hi > 0x1fffff means the value is >= 2^53 > 1e15, so c > 0.
  return String(c) + pad7(b) + pad7(a);
}

/** Two's complement 64-bit (lo, hi as uint32) to decimal. */
export function i64ToDecimal(lo: number, hi: number): string {
  if (hi <= 0x7fffffff) return u64ToDecimal(lo, hi);
  let nlo = (~lo + 1) >>> 0;
  let nhi = ~hi >>> 0;
  if (nlo === 0) nhi = (nhi + 1) >>> 0;
  return "-" + u64ToDecimal(nlo, nhi);
}

const HEX: string[] = [];
for (let i = 0; i < 256; i++) HEX.push((i < 16 ? "0" : "") + i.toString(16));

function hex(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i++) s += HEX[b[i]];
  return s;
}

/** A fixed64 timestamp or count: decimal, or undefined for 0 (proto3 default). */
function uint64Field(r: Reader): string | undefined {
  fixed64(r);
  return r.lo === 0 && r.hi === 0 ? undefined : u64ToDecimal(r.lo, r.hi);
}

export const zigzag32 = (n: number) => (n >>> 1) ^ -(n & 1);

// ---- common -------------------------------------------------------------------------------
/** Reads one embedded message of a repeated field and appends it. */
export function pushMessage<T>(r: Reader, list: T[] | undefined, depth: number, read: Read<T>): T[] {
  const e = lengthEnd(r);
  const out = list ?? [];
  out.push(read(r, e, depth + 1));
  return out;
}

export type Read<T> = (r: Reader, end: number, depth: number) => T;
/** Sets o[k] to a non-empty string, or removes it (a later empty occurrence wins too). */
export function setString<O extends object, K extends keyof O>(o: O, k: K, s: string): void {
  if (s) o[k] = s as O[K];
  else delete o[k];
}

export function setNumber<O extends object, K extends keyof O>(o: O, k: K, n: number): void {
  if (n) o[k] = n as O[K];
  else delete o[k];
}

export function setId<O extends object, K extends keyof O>(o: O, k: K, b: Uint8Array): void {
  if (b.length) o[k] = hex(b) as O[K];
  else delete o[k];
}

export function setUint64<O extends object, K extends keyof O>(o: O, k: K, r: Reader): void {
  const v = uint64Field(r);
  if (v !== undefined) o[k] = v as O[K];
  else delete o[k];
}

// ---- logs ---------------------------------------------------------------------------------

/**
 * Turning the Arrow columns other tools write (Parquet files read through parquet-wasm)
 * into the four types the rest of Tensorloom works with, the types the CSV reader makes:
 *
 * - integers of any width, signed or not → Int32 when every value fits, else Float64
 *   (beyond ±2^53 rounded to the nearest double)
 * - Float16/32/64 and Decimal → Float64
 * - Bool → Bool
 * - Utf8, LargeUtf8, dictionary-encoded strings, string views → Utf8
 * - Timestamp → ISO 8601 text `2001-01-01T00:01:00` (fraction only when not zero, `Z` when
 *   the type has a time zone: the instant in UTC); Date → `2001-01-01`; Time → `13:45:00`.
 *   Dates stay text as in CSV; a feature node parses them.
 * - a column of nulls only → Utf8
 * - anything else (lists, structs, maps, binary, durations…) → text: nested values as
 *   JSON, binary as base64. `note` says which columns were converted how.
 *
 * Columns are appended one Arrow `Data` chunk at a time (a Parquet row group at a time),
 * straight into typed arrays: no per-row JS objects on the common paths.
 */
import { Buffer } from 'node:buffer';
import { DataType, DateUnit, TimeUnit, Type, makeVector, util, type Data, type Field } from 'apache-arrow';
import { NodeError } from '../base/errors.js';
import { ColumnBuilder, type ValueKind } from './column-builder.js';

const TWO_32 = 4294967296;

/** Digits after the second per unit, and units per second. */
const UNIT_DIGITS: Record<TimeUnit, number> = { [TimeUnit.SECOND]: 0, [TimeUnit.MILLISECOND]: 3, [TimeUnit.MICROSECOND]: 6, [TimeUnit.NANOSECOND]: 9 };
const UNIT_PER_SECOND: Record<TimeUnit, number> = { [TimeUnit.SECOND]: 1, [TimeUnit.MILLISECOND]: 1e3, [TimeUnit.MICROSECOND]: 1e6, [TimeUnit.NANOSECOND]: 1e9 };

type Converter = (data: Data, builder: ColumnBuilder) => void;

/** One output column fed chunk by chunk. */
export class NormalizedColumn {
  private readonly builder: ColumnBuilder;
  private readonly convert: Converter;
  /** How the column's type changed, for the log (undefined when it was kept). */
  readonly note: string | undefined;

  readonly name: string;

  constructor(field: Field) {
    this.name = field.name;
    this.builder = new ColumnBuilder(field.name);
    const plan = planFor(field.type);
    this.convert = plan.convert;
    if (plan.kind) this.builder.start(plan.kind, 0, plan.float);
    this.note = plan.note;
  }

  append(data: Data): void {
    this.convert(data, this.builder);
  }

  finish(rows: number): Data {
    return this.builder.finish(rows);
  }

  /** The note, completed with the final type (integers: Int32 or Float64). */
  describe(finished: Data): string | undefined {
    return this.note === undefined ? undefined : `${this.note} → ${String(finished.type)}`;
  }
}

interface Plan {
  readonly kind: ValueKind | undefined;
  /** A float source: Float64 even when it has no value or only whole ones. */
  readonly float?: boolean;
  readonly convert: Converter;
  readonly note: string | undefined;
}

function planFor(type: DataType): Plan {
  const from = String(type);
  switch (type.typeId) {
    case Type.Int: {
      const int = type as DataType<Type.Int> & { bitWidth: number; isSigned: boolean };
      const keep = int.bitWidth === 32 && int.isSigned;
      return { kind: 'number', convert: int.bitWidth === 64 ? convertInt64(int.isSigned) : convertSmallInt, note: keep ? undefined : from };
    }
    case Type.Float: {
      const double = (type as DataType<Type.Float> & { precision: number }).precision === 2;
      return { kind: 'number', float: true, convert: convertFloat, note: double ? undefined : from };
    }
    case Type.Decimal:
      return { kind: 'number', float: true, convert: convertDecimal((type as DataType<Type.Decimal> & { scale: number }).scale), note: from };
    case Type.Bool:
      return { kind: 'boolean', convert: convertBool, note: undefined };
    case Type.Utf8:
      return { kind: 'string', convert: convertUtf8, note: undefined };
    case Type.LargeUtf8:
      return { kind: 'string', convert: convertUtf8, note: from };
    case Type.Timestamp: {
      const stamp = type as DataType<Type.Timestamp> & { unit: TimeUnit; timezone: string | null };
      return { kind: 'string', convert: convertTimestamp(stamp.unit, Boolean(stamp.timezone)), note: from };
    }
    case Type.Date:
      return { kind: 'string', convert: convertDate((type as DataType<Type.Date> & { unit: DateUnit }).unit), note: from };
    case Type.Time:
      return { kind: 'string', convert: convertTime((type as DataType<Type.Time> & { unit: TimeUnit }).unit), note: from };
    case Type.Null:
      return { kind: undefined, convert: convertNulls, note: from };
    case Type.Dictionary: {
      const inner = planFor((type as DataType<Type.Dictionary> & { dictionary: DataType }).dictionary);
      return { kind: inner.kind, float: inner.float, convert: convertDictionary(inner.convert, inner.float ?? false), note: from };
    }
    default:
      return { kind: 'string', convert: convertAsText, note: `${from} as text` };
  }
}

/** Row k of `data` holds a value (not null). */
function isValid(data: Data, k: number): boolean {
  if (data.nullCount === 0) return true;
  const bitmap = data.nullBitmap;
  // No bitmap but nulls: a column of the Null type.
  if (!bitmap || bitmap.length === 0) return false;
  const bit = data.offset + k;
  return ((bitmap[bit >> 3]! >> (bit & 7)) & 1) === 1;
}

const convertSmallInt: Converter = (data, builder) => {
  const values = data.values as Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array;
  for (let k = 0; k < data.length; k++) {
    if (isValid(data, k)) builder.appendNumber(values[k]!, true);
    else builder.appendNull();
  }
};

/** Int64 without a BigInt per value: the two 32-bit halves, combined with one rounding. */
function convertInt64(signed: boolean): Converter {
  return (data, builder) => {
    const source = data.values as BigInt64Array | BigUint64Array;
    const halves = new Int32Array(source.buffer, source.byteOffset, source.length * 2);
    for (let k = 0; k < data.length; k++) {
      if (!isValid(data, k)) {
        builder.appendNull();
        continue;
      }
      const lo = halves[2 * k]!;
      const hi = halves[2 * k + 1]!;
      if ((hi === 0 && lo >= 0) || (signed && hi === -1 && lo < 0)) builder.appendNumber(lo, true);
      else builder.appendNumber((signed ? hi : hi >>> 0) * TWO_32 + (lo >>> 0), true);
    }
  };
}

const convertFloat: Converter = (data, builder) => {
  const values = data.values as Float32Array | Float64Array | Uint16Array;
  const half = values instanceof Uint16Array;
  for (let k = 0; k < data.length; k++) {
    if (!isValid(data, k)) builder.appendNull();
    else builder.appendNumber(half ? util.uint16ToFloat64(values[k]!) : values[k]!, false);
  }
};

function convertDecimal(scale: number): Converter {
  return (data, builder) => {
    const vector = makeVector(data);
    for (let k = 0; k < data.length; k++) {
      if (!isValid(data, k)) builder.appendNull();
      else builder.appendNumber(util.bigNumToNumber(vector.get(k) as never, scale), false);
    }
  };
}

const convertBool: Converter = (data, builder) => {
  const bits = data.values as Uint8Array;
  for (let k = 0; k < data.length; k++) {
    if (!isValid(data, k)) {
      builder.appendNull();
      continue;
    }
    const bit = data.offset + k;
    builder.appendBoolean(((bits[bit >> 3]! >> (bit & 7)) & 1) === 1);
  }
};

/** Utf8 and LargeUtf8: bytes copied as they are (offsets 32 or 64 bit). */
const convertUtf8: Converter = (data, builder) => {
  const bytes = data.values as Uint8Array;
  const source = data.valueOffsets as Int32Array | BigInt64Array;
  // 64-bit offsets into one chunk's bytes stay far below 2^31: their low halves are the offsets.
  const offsets = source instanceof BigInt64Array ? new Int32Array(source.buffer, source.byteOffset, source.length * 2) : source;
  const step = source instanceof BigInt64Array ? 2 : 1;
  if (step === 2 && (offsets[2 * data.length + 1] !== 0 || offsets[2 * data.length]! < 0)) {
    throw new NodeError(`column '${builder.name}' holds more than 2 GiB of text in one chunk, more than one column can hold`);
  }
  for (let k = 0; k < data.length; k++) {
    if (!isValid(data, k)) builder.appendNull();
    else builder.appendUtf8(bytes, offsets[k * step]!, offsets[(k + 1) * step]!);
  }
};

/** Dictionary-encoded columns: each index replaced by its dictionary value (strings copied as bytes). */
function convertDictionary(inner: Converter, float: boolean): Converter {
  return (data, builder) => {
    const dictionary = data.dictionary;
    const indices = data.values as Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array | BigInt64Array;
    if (!dictionary) return convertNulls(data, builder);
    // Decode the dictionary once into a scratch column, then copy its values per row.
    const decoded = new ColumnBuilder('');
    const kind = builder.kind;
    if (kind) decoded.start(kind, 0, float);
    for (const chunk of dictionary.data) inner(chunk, decoded);
    const values = decoded.finish(decoded.length);
    for (let k = 0; k < data.length; k++) {
      if (!isValid(data, k)) {
        builder.appendNull();
        continue;
      }
      const index = Number(indices[k]!);
      copyValue(values, index, builder);
    }
  };
}

/** Appends row `index` of a finished Int32/Float64/Bool/Utf8 column. */
function copyValue(values: Data, index: number, builder: ColumnBuilder): void {
  if (!isValid(values, index)) return builder.appendNull();
  if (DataType.isUtf8(values.type)) {
    const offsets = values.valueOffsets as Int32Array;
    return builder.appendUtf8(values.values as Uint8Array, offsets[index]!, offsets[index + 1]!);
  }
  if (DataType.isBool(values.type)) {
    const bits = values.values as Uint8Array;
    return builder.appendBoolean(((bits[index >> 3]! >> (index & 7)) & 1) === 1);
  }
  builder.appendNumber((values.values as Int32Array | Float64Array)[index]!, DataType.isInt(values.type));
}

const convertNulls: Converter = (data, builder) => {
  builder.padTo(builder.length + data.length);
};

/**
 * Reads 32-bit values, or 64-bit ones without a BigInt each (two 32-bit halves), as exact
 * (seconds, fraction in units) pairs; BigInt arithmetic only beyond ±2^53 units.
 */
class SecondsReader {
  seconds = 0;
  fraction = 0;
  private values: Int32Array | BigInt64Array = new Int32Array(0);
  private halves: Int32Array | undefined;

  constructor(private readonly perSecond: number) {}

  use(data: Data): void {
    const values = data.values as Int32Array | BigInt64Array;
    this.values = values;
    this.halves = values instanceof BigInt64Array ? new Int32Array(values.buffer, values.byteOffset, values.length * 2) : undefined;
  }

  read(k: number): void {
    const { halves, perSecond } = this;
    let whole: number;
    if (halves === undefined) whole = this.values[k] as number;
    else {
      const hi = halves[2 * k + 1]!;
      if (hi > -0x200000 && hi < 0x200000) whole = hi * TWO_32 + (halves[2 * k]! >>> 0);
      else return this.readBig((this.values as BigInt64Array)[k]!);
    }
    const seconds = Math.floor(whole / perSecond);
    this.seconds = seconds;
    this.fraction = whole - seconds * perSecond;
  }

  private readBig(value: bigint): void {
    const unit = BigInt(this.perSecond);
    let seconds = value / unit;
    let fraction = value % unit;
    if (fraction < 0n) {
      fraction += unit;
      seconds -= 1n;
    }
    this.seconds = Number(seconds);
    this.fraction = Number(fraction);
  }
}

/** Writes `value` as `width` zero-padded digits at target[w]; returns the new end. */
function digits(target: Uint8Array, w: number, value: number, width: number): number {
  for (let k = width - 1; k >= 0; k--) {
    target[w + k] = 48 + (value % 10);
    value = Math.floor(value / 10);
  }
  return w + width;
}

/** YYYY-MM-DD for days since 1970-01-01 (proleptic Gregorian; H. Hinnant's civil_from_days). */
function writeDate(target: Uint8Array, w: number, days: number): number {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  if (year >= 0 && year <= 9999) w = digits(target, w, year, 4);
  else {
    // ISO 8601's expanded years, as Date.toISOString writes them.
    target[w++] = year < 0 ? 45 : 43;
    w = digits(target, w, Math.abs(year), 6);
  }
  target[w++] = 45;
  w = digits(target, w, month, 2);
  target[w++] = 45;
  return digits(target, w, day, 2);
}

/** HH:MM:SS, then `.` and the fraction without trailing zeros when it is not zero. */
function writeTime(target: Uint8Array, w: number, secondOfDay: number, fraction: number, fractionDigits: number): number {
  w = digits(target, w, Math.floor(secondOfDay / 3600), 2);
  target[w++] = 58;
  w = digits(target, w, Math.floor(secondOfDay / 60) % 60, 2);
  target[w++] = 58;
  w = digits(target, w, secondOfDay % 60, 2);
  if (fraction > 0) {
    target[w++] = 46;
    let width = fractionDigits;
    while (fraction % 10 === 0) {
      fraction /= 10;
      width--;
    }
    w = digits(target, w, fraction, width);
  }
  return w;
}

/** Longest text a date-time can take: +YYYYYY-MM-DDTHH:MM:SS.fffffffffZ. */
const MAX_DATETIME_BYTES = 36;

function convertTimestamp(unit: TimeUnit, utc: boolean): Converter {
  const fractionDigits = UNIT_DIGITS[unit];
  const split = new SecondsReader(UNIT_PER_SECOND[unit]);
  return (data, builder) => {
    split.use(data);
    for (let k = 0; k < data.length; k++) {
      if (!isValid(data, k)) {
        builder.appendNull();
        continue;
      }
      split.read(k);
      const days = Math.floor(split.seconds / 86400);
      const target = builder.textSpace(MAX_DATETIME_BYTES);
      let w = writeDate(target, builder.textEnd, days);
      target[w++] = 84;
      w = writeTime(target, w, split.seconds - days * 86400, split.fraction, fractionDigits);
      if (utc) target[w++] = 90;
      builder.commitText(w);
    }
  };
}

function convertDate(unit: DateUnit): Converter {
  return (data, builder) => {
    const values = data.values as Int32Array | BigInt64Array;
    for (let k = 0; k < data.length; k++) {
      if (!isValid(data, k)) {
        builder.appendNull();
        continue;
      }
      const days = unit === DateUnit.DAY ? (values[k] as number) : Math.floor(Number(values[k]!) / 86400000);
      const target = builder.textSpace(MAX_DATETIME_BYTES);
      builder.commitText(writeDate(target, builder.textEnd, days));
    }
  };
}

function convertTime(unit: TimeUnit): Converter {
  const fractionDigits = UNIT_DIGITS[unit];
  const split = new SecondsReader(UNIT_PER_SECOND[unit]);
  return (data, builder) => {
    split.use(data);
    for (let k = 0; k < data.length; k++) {
      if (!isValid(data, k)) {
        builder.appendNull();
        continue;
      }
      split.read(k);
      const target = builder.textSpace(MAX_DATETIME_BYTES);
      builder.commitText(writeTime(target, builder.textEnd, split.seconds, split.fraction, fractionDigits));
    }
  };
}

/** JSON for nested values (BigInt as a number when exact, else as a string), base64 for bytes. */
export function valueAsText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  if (typeof value === 'object' && value !== null) return JSON.stringify(value, jsonReplacer);
  return String(value);
}

function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  if (value instanceof Map) return Object.fromEntries(value);
  return value;
}

/** Any other type, through Arrow's own value reader (slow, rare). */
const convertAsText: Converter = (data, builder) => {
  const vector = makeVector(data);
  for (let k = 0; k < data.length; k++) {
    const value: unknown = vector.get(k);
    if (value === null || value === undefined || !isValid(data, k)) builder.appendNull();
    else builder.appendString(valueAsText(value));
  }
};

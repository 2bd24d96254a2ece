import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import { FOCUS_COLUMNS } from '../core/focus.js';
import type { PieceWriter } from '../io/month-sink.js';
import { TOOL_NAME, TOOL_VERSION } from '../version.js';

/**
 * focus.parquet: the rows of focus.csv, typed for a warehouse. Amounts and quantities are
 * DECIMAL(38, 10) written from their decimal text as scaled integers (never through a float),
 * dates are UTC timestamps, everything else is text; an empty field is null. Written a row group
 * at a time to the month's sink, so the month's FOCUS rows are never all held as a file.
 */
const DECIMALS = new Set<string>(['BilledCost', 'ContractedCost', 'EffectiveCost', 'ListCost', 'PricingQuantity', 'ConsumedQuantity']);
const TIMESTAMPS = new Set<string>(['BillingPeriodEnd', 'BillingPeriodStart', 'ChargePeriodEnd', 'ChargePeriodStart']);
const SCALE = 10;
/** Rows per row group (and per batch held in memory before it is encoded). */
const ROW_GROUP = 20_000;

type Column = (typeof FOCUS_COLUMNS)[number];

function schema() {
  return [
    { name: 'root', num_children: FOCUS_COLUMNS.length },
    ...FOCUS_COLUMNS.map((name: Column) =>
      DECIMALS.has(name)
        ? { name, type: 'FIXED_LEN_BYTE_ARRAY' as const, type_length: 16, converted_type: 'DECIMAL' as const, scale: SCALE, precision: 38, repetition_type: 'OPTIONAL' as const }
        : TIMESTAMPS.has(name)
          ? { name, type: 'INT64' as const, converted_type: 'TIMESTAMP_MILLIS' as const, repetition_type: 'OPTIONAL' as const }
          : { name, type: 'BYTE_ARRAY' as const, converted_type: 'UTF8' as const, repetition_type: 'OPTIONAL' as const },
    ),
  ];
}

/** "116.80" → 1168000000000n (scale 10); "" → null. More than ten decimals is a bug upstream. */
export function scaledDecimal(text: string, column: string): bigint | null {
  if (text === '') return null;
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!m || (m[3] ?? '').length > SCALE) throw new Error(`focus ${column} ${JSON.stringify(text)} is not a decimal of at most ${SCALE} places`);
  const value = BigInt(m[2]! + (m[3] ?? '').padEnd(SCALE, '0'));
  return m[1] === '-' ? -value : value;
}

function value(column: Column, text: string): string | bigint | null {
  if (text === '') return null;
  if (DECIMALS.has(column)) return scaledDecimal(text, column);
  if (TIMESTAMPS.has(column)) {
    const ms = Date.parse(text);
    if (!Number.isFinite(ms)) throw new Error(`focus ${column} ${JSON.stringify(text)} is not an instant`);
    return BigInt(ms);
  }
  return text;
}

/** Writes the rows (each in FOCUS_COLUMNS order, as focus.csv has them) as Parquet to `out`. */
export async function writeFocusParquet(out: PieceWriter, rows: Iterable<readonly string[]>, betweenGroups: () => void = () => {}): Promise<void> {
  const bytes = new ByteWriter();
  // Each row group's bytes go to the file as soon as it is encoded (the buffer is reused).
  const flush = async () => {
    if (bytes.index === 0) return;
    const chunk = Buffer.from(new Uint8Array(bytes.buffer, 0, bytes.index));
    bytes.index = 0;
    await out.write(chunk);
  };
  const writer = new ParquetWriter({ writer: bytes, schema: schema(), statistics: true, createdBy: `${TOOL_NAME} ${TOOL_VERSION}` });
  let batch: Array<Array<string | bigint | null>> = FOCUS_COLUMNS.map(() => []);
  let count = 0;
  const emit = async () => {
    if (count === 0) return;
    // Statistics (min and max per row group) where a warehouse prunes by them: amounts and dates.
    await writer.write({ columnData: FOCUS_COLUMNS.map((name, i) => ({ name, data: batch[i]!, statistics: DECIMALS.has(name) || TIMESTAMPS.has(name) })), rowGroupSize: ROW_GROUP });
    await flush();
    batch = FOCUS_COLUMNS.map(() => []);
    count = 0;
    groups += 1;
    if (groups % 4 === 0) betweenGroups();
  };
  let groups = 0;
  for (const row of rows) {
    FOCUS_COLUMNS.forEach((c, i) => batch[i]!.push(value(c, row[i] ?? '')));
    count += 1;
    if (count === ROW_GROUP) await emit();
  }
  await emit();
  writer.finish();
  await flush();
}

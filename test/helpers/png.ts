import { deflateSync, inflateSync } from 'node:zlib';

/** A decoded image as 8-bit RGB, row-major, 3 bytes a pixel. */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** Samples a pixel per PNG colour type: grey, -, RGB, palette, grey+alpha, -, RGBA. */
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/**
 * A small PNG decoder for what pdftoppm writes: 8-bit depth, no interlace, colour types 0, 2, 3, 4
 * and 6 (alpha is dropped, as if over white), all five row filters (none, sub, up, average, Paeth).
 */
export function decodePng(bytes: Uint8Array): RgbImage {
  const buf = Buffer.from(bytes);
  if (!buf.subarray(0, 8).equals(SIGNATURE)) throw new Error('not a PNG');
  let pos = 8;
  let width = 0;
  let height = 0;
  let depth = 0;
  let colourType = 0;
  let interlace = 0;
  let palette: Buffer | null = null;
  const idat: Buffer[] = [];
  while (pos < buf.length) {
    const len = buf.readUInt32BE(pos);
    const type = buf.toString('latin1', pos + 4, pos + 8);
    const data = buf.subarray(pos + 8, pos + 8 + len);
    pos += 12 + len;
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      depth = data[8]!;
      colourType = data[9]!;
      interlace = data[12]!;
    } else if (type === 'PLTE') palette = Buffer.from(data);
    else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
  }
  const channels = CHANNELS[colourType];
  if (depth !== 8 || channels === undefined) throw new Error(`unsupported PNG: depth ${depth}, colour type ${colourType}`);
  if (interlace !== 0) throw new Error('interlaced PNG not supported');
  if (colourType === 3 && !palette) throw new Error('palette PNG without PLTE');

  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  if (raw.length < height * (stride + 1)) throw new Error('PNG data too short');
  const pixels = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const src = y * (stride + 1) + 1;
    const out = y * stride;
    const prev = out - stride;
    for (let i = 0; i < stride; i++) {
      const x = raw[src + i]!;
      const a = i >= channels ? pixels[out + i - channels]! : 0;
      const b = y > 0 ? pixels[prev + i]! : 0;
      const c = y > 0 && i >= channels ? pixels[prev + i - channels]! : 0;
      let v: number;
      switch (filter) {
        case 0:
          v = x;
          break;
        case 1:
          v = x + a;
          break;
        case 2:
          v = x + b;
          break;
        case 3:
          v = x + ((a + b) >> 1);
          break;
        case 4:
          v = x + paeth(a, b, c);
          break;
        default:
          throw new Error(`bad PNG filter type ${filter} in row ${y}`);
      }
      pixels[out + i] = v & 0xff;
    }
  }

  const data = new Uint8Array(width * height * 3);
  for (let p = 0; p < width * height; p++) {
    const s = p * channels;
    let r: number;
    let g: number;
    let b: number;
    let alpha = 255;
    if (colourType === 0 || colourType === 4) {
      r = g = b = pixels[s]!;
      if (colourType === 4) alpha = pixels[s + 1]!;
    } else if (colourType === 3) {
      const k = pixels[s]! * 3;
      r = palette![k]!;
      g = palette![k + 1]!;
      b = palette![k + 2]!;
    } else {
      r = pixels[s]!;
      g = pixels[s + 1]!;
      b = pixels[s + 2]!;
      if (colourType === 6) alpha = pixels[s + 3]!;
    }
    const over = (v: number) => Math.round((v * alpha + 255 * (255 - alpha)) / 255);
    data[p * 3] = over(r);
    data[p * 3 + 1] = over(g);
    data[p * 3 + 2] = over(b);
  }
  return { width, height, data };
}

export function pixel(img: RgbImage, x: number, y: number): [number, number, number] {
  const i = (y * img.width + x) * 3;
  return [img.data[i]!, img.data[i + 1]!, img.data[i + 2]!];
}

// Writing: small and hostile images for the template tests, made at run time.

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

export function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = CRC_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** One PNG chunk: length, type, data, CRC (a wrong one when `badCrc`). */
export function pngChunk(type: string, data: Uint8Array, badCrc = false): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE((crc32(body) ^ (badCrc ? 1 : 0)) >>> 0);
  return Buffer.concat([length, body, crc]);
}

export interface PngSpec {
  readonly width: number;
  readonly height: number;
  /** Bits per sample (default 8). */
  readonly depth?: number;
  /** 0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA (default 2). */
  readonly colourType?: number;
  readonly interlace?: 0 | 1;
  /** RGB triples, for colour type 3. */
  readonly palette?: Uint8Array;
  readonly transparency?: Uint8Array;
  /** The uncompressed image data (filter byte and row, per row); default all zero, the right length. */
  readonly raw?: Uint8Array;
  /** The compressed image data as is, instead of deflating `raw`. */
  readonly idat?: Uint8Array;
}

/** The length of a non-interlaced PNG's uncompressed data: rows of a filter byte and the packed samples. */
export function pngRawLength(width: number, height: number, depth = 8, colourType = 2): number {
  const samples = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 }[colourType as 0 | 2 | 3 | 4 | 6];
  return height * (1 + Math.ceil((width * depth * samples) / 8));
}

/** A PNG of the given header and data (valid unless the spec says otherwise). */
export function encodePng(spec: PngSpec): Buffer {
  const { width, height, depth = 8, colourType = 2, interlace = 0 } = spec;
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = depth;
  header[9] = colourType;
  header[12] = interlace;
  const idat = spec.idat ?? deflateSync(spec.raw ?? new Uint8Array(pngRawLength(width, height, depth, colourType)));
  return Buffer.concat([
    SIGNATURE,
    pngChunk('IHDR', header),
    ...(spec.palette ? [pngChunk('PLTE', spec.palette)] : []),
    ...(spec.transparency ? [pngChunk('tRNS', spec.transparency)] : []),
    pngChunk('IDAT', idat),
    pngChunk('IEND', new Uint8Array(0)),
  ]);
}

/**
 * The smallest complete baseline JPEG: one grey 8×8 block (a single pixel shown), one quantisation
 * table, one-code Huffman tables for DC and AC, one scan whose block is "no difference, end of block".
 */
export function minimalJpeg(width = 1, height = 1): Buffer {
  const segment = (marker: number, data: number[]) => [0xff, marker, (data.length + 2) >> 8, (data.length + 2) & 0xff, ...data];
  return Buffer.from([
    0xff, 0xd8,
    ...segment(0xdb, [0x00, ...new Array<number>(64).fill(1)]),
    ...segment(0xc0, [8, height >> 8, height & 0xff, width >> 8, width & 0xff, 1, 1, 0x11, 0]),
    ...segment(0xc4, [0x00, 1, ...new Array<number>(15).fill(0), 0x00]),
    ...segment(0xc4, [0x10, 1, ...new Array<number>(15).fill(0), 0x00]),
    ...segment(0xda, [1, 1, 0x00, 0, 63, 0]),
    0x3f,
    0xff, 0xd9,
  ]);
}

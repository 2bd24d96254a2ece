import { inflateSync } from 'node:zlib';

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

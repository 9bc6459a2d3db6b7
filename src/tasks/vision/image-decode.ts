import sharp, { type Metadata, type OutputInfo, type SharpOptions } from 'sharp';
import { isRtsError, type RtsError, rtsError } from '../../core/errors.js';
import type { PreprocessLimits } from './preprocess-spec.js';

/**
 * Decoding untrusted image bytes with sharp (libvips): format detection from
 * the bytes themselves, the decompression-bomb guard, and sharp's errors
 * turned into rtscore's (415 unknown format, 413 too many pixels, 400
 * undecodable).
 */

/**
 * Header sanity limits, checked before any pixel is decoded. A decoder's work
 * grows with the declared row width even when the file is 69 bytes long (a
 * PNG declaring 40,000,000×1 cost 1.7 s of CPU before failing), so the
 * pixel limit alone is not enough: no side may exceed JPEG's own maximum,
 * and no image may be more elongated than 1000:1 (nothing a classifier that
 * centre-crops a square could use).
 */
export const MAX_IMAGE_SIDE = 65_535;
export const MAX_ASPECT_RATIO = 1_000;
/** Longest a single decode or resize may run (sharp's timeout, whole seconds). */
export const DECODE_TIMEOUT_SECONDS = 10;

export const SUPPORTED_FORMATS = ['jpeg', 'png', 'webp', 'gif', 'tiff'] as const;
export type ImageFormat = (typeof SUPPORTED_FORMATS)[number];

export interface ImageInfo {
  format: ImageFormat;
  /** Width and height after EXIF orientation is applied. */
  width: number;
  height: number;
  /** EXIF orientation (1–8; 1 when absent). */
  orientation: number;
  /** Channels as stored (1 grey, 2 grey+alpha, 3 RGB, 4 RGBA or CMYK). */
  channels: number;
  hasAlpha: boolean;
  /** Frames or pages in the file; only the first is used. */
  pages: number;
}

/**
 * Input options for every sharp call on untrusted bytes:
 * - `autoOrient` applies the EXIF orientation, so a phone photo is upright;
 * - `ignoreIcc` keeps the stored RGB values as PIL (and so torchvision's
 *   training pipeline) sees them, instead of converting through the profile;
 * - `failOn: 'error'` rejects truncated files (rather than classifying a
 *   half-grey image) but, like PIL, decodes complete files with recoverable
 *   damage (libjpeg's "corrupt JPEG data" warnings), which phones and editors
 *   produce now and then;
 * - `pages: 1` takes the first frame of an animated GIF/WebP or multi-page TIFF.
 */
export function sharpInput(limits: PreprocessLimits): SharpOptions {
  return {
    autoOrient: true,
    ignoreIcc: true,
    failOn: 'error',
    pages: 1,
    limitInputPixels: Math.max(1, Math.floor(limits.maxPixels)),
  };
}

/**
 * The format from the file's signature. Only these five decoders are ever
 * handed client bytes: anything else (SVG, PDF, HEIF, …, which sharp could
 * otherwise parse) is refused before a parser sees it.
 */
export function sniffFormat(bytes: Uint8Array): ImageFormat | undefined {
  const b = bytes;
  const at = (i: number, ...sig: number[]) => sig.every((v, k) => b[i + k] === v);
  if (b.length < 4) return undefined;
  if (at(0, 0xff, 0xd8, 0xff)) return 'jpeg';
  if (at(0, 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'png';
  if (at(0, 0x47, 0x49, 0x46, 0x38) && (b[4] === 0x37 || b[4] === 0x39) && b[5] === 0x61) return 'gif';
  if (at(0, 0x52, 0x49, 0x46, 0x46) && at(8, 0x57, 0x45, 0x42, 0x50)) return 'webp';
  // Classic TIFF (42) and BigTIFF (43), little- and big-endian.
  if (at(0, 0x49, 0x49) && (b[2] === 0x2a || b[2] === 0x2b) && b[3] === 0x00) return 'tiff';
  if (at(0, 0x4d, 0x4d, 0x00) && (b[3] === 0x2a || b[3] === 0x2b)) return 'tiff';
  return undefined;
}

/** Read an image's header: format, oriented size, channels. Enforces the pixel limit. */
export async function inspectImage(bytes: Uint8Array, limits: PreprocessLimits): Promise<ImageInfo> {
  if (bytes.length === 0) throw rtsError('BAD_IMAGE', 'the image is empty');
  const sniffed = sniffFormat(bytes);
  if (sniffed === undefined) {
    throw rtsError('UNSUPPORTED_MEDIA_TYPE', `not a supported image format (supported: ${SUPPORTED_FORMATS.join(', ')})`);
  }
  let meta: Metadata;
  try {
    // Headers only; the pixel limit is checked below with a clearer message.
    meta = await sharp(bytes, { ...sharpInput(limits), limitInputPixels: false }).metadata();
  } catch (err) {
    throw decodeError(err);
  }
  if (meta.format !== sniffed) {
    throw rtsError('BAD_IMAGE', `the image's signature says ${sniffed} but it decodes as ${meta.format}`);
  }
  const orientation = meta.orientation ?? 1;
  // With pages: 1, metadata reports the first page; pageHeight covers older libvips.
  const storedHeight = meta.pageHeight ?? meta.height;
  const width = meta.autoOrient?.width ?? (orientation >= 5 ? storedHeight : meta.width);
  const height = meta.autoOrient?.height ?? (orientation >= 5 ? meta.width : storedHeight);
  if (!(width > 0 && height > 0)) throw rtsError('BAD_IMAGE', 'the image has no pixels');
  checkPixelLimit(width, height, limits);
  checkGeometry(width, height);
  return {
    format: sniffed,
    width,
    height,
    orientation,
    channels: meta.channels ?? 3,
    hasAlpha: meta.hasAlpha ?? false,
    pages: meta.pages ?? 1,
  };
}

export function checkPixelLimit(width: number, height: number, limits: PreprocessLimits): void {
  const pixels = width * height;
  if (pixels > limits.maxPixels) {
    throw rtsError('PAYLOAD_TOO_LARGE', `the image is ${width}×${height} = ${pixels} pixels, more than the limit of ${limits.maxPixels}`, {
      details: { width, height, maxPixels: limits.maxPixels },
    });
  }
}

/** Refuse a header whose sides or aspect ratio no real photo has (see MAX_IMAGE_SIDE). */
export function checkGeometry(width: number, height: number): void {
  const longer = Math.max(width, height);
  const shorter = Math.min(width, height);
  if (longer > MAX_IMAGE_SIDE || longer / shorter > MAX_ASPECT_RATIO) {
    throw rtsError(
      'PAYLOAD_TOO_LARGE',
      `the image is ${width}×${height}: sides may be at most ${MAX_IMAGE_SIDE} pixels and the aspect ratio at most ${MAX_ASPECT_RATIO}:1`,
      {
        details: { width, height, maxSide: MAX_IMAGE_SIDE, maxAspectRatio: MAX_ASPECT_RATIO },
      },
    );
  }
}

/** Decode to 8-bit interleaved RGB (alpha dropped, grey expanded), no resizing. */
export async function decodeRgb(bytes: Uint8Array, limits: PreprocessLimits): Promise<{ data: Buffer; width: number; height: number }> {
  try {
    const { data, info } = await sharp(bytes, sharpInput(limits))
      .timeout({ seconds: DECODE_TIMEOUT_SECONDS })
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    return { data, ...checkRgb(data, info) };
  } catch (err) {
    throw decodeError(err);
  }
}

/** Sanity check on what sharp handed back: 8-bit, 3 channels, the size it says. */
export function checkRgb(data: Buffer, info: OutputInfo): { width: number; height: number } {
  if (info.channels !== 3 || data.length !== info.width * info.height * 3) {
    throw rtsError('BAD_IMAGE', `unexpected decoded layout (${info.width}×${info.height}×${info.channels}, ${data.length} bytes)`);
  }
  return { width: info.width, height: info.height };
}

/** Map an error from sharp to rtscore's error type. */
export function decodeError(err: unknown): RtsError {
  if (isRtsError(err)) return err;
  const message = (err instanceof Error ? err.message : String(err)).split('\n')[0]!.trim();
  if (/pixel limit/i.test(message)) {
    return rtsError('PAYLOAD_TOO_LARGE', 'the image has more pixels than the configured limit', { cause: err });
  }
  if (/^timeout/i.test(message)) {
    return rtsError('PAYLOAD_TOO_LARGE', `the image took more than ${DECODE_TIMEOUT_SECONDS} s to decode`, { cause: err });
  }
  if (/unsupported image format/i.test(message)) {
    return rtsError('UNSUPPORTED_MEDIA_TYPE', `not a supported image format (supported: ${SUPPORTED_FORMATS.join(', ')})`, { cause: err });
  }
  return rtsError('BAD_IMAGE', `the image could not be decoded: ${message}`, { cause: err });
}

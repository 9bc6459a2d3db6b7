/**
 * The locale given to StringNormalizer nodes that name none. ONNX Runtime
 * builds a C++ `std::locale` from it, which fails when the system lacks it.
 * `C.UTF-8` is built into glibc (≥ 2.35; Debian and Ubuntu have always
 * shipped it), so it exists on Linux machines and slim images where
 * `en_US.UTF-8` (ONNX Runtime's default) often does not, and it lower-cases
 * all of Unicode as the en_US locale does. macOS has `en_US.UTF-8`. On Windows
 * ONNX Runtime ignores the name's form, so its default is kept.
 * `options.locale` overrides this.
 */
export function defaultLocale(platform: NodeJS.Platform = process.platform): string {
  if (platform === 'darwin') return 'en_US.UTF-8';
  if (platform === 'win32') return 'en-US';
  return 'C.UTF-8';
}

/** Image classification: preprocessing, labels, postprocessing and the `image-classifier` model kind. */
export { imageClassifierKind, IMAGE_INPUT, PROBABILITIES, LOGITS } from './classifier.js';
export { classifierOptionsSchema, parseClassifierOptions, resolveLabelsPath, type ClassifierOptions } from './classifier-options.js';
export { preprocessImage, resizedSize, centerCropOffset } from './preprocess.js';
export { preprocessSpecSchema, parsePreprocessSpec, imageTensorShape, type PreprocessSpec, type PreprocessLimits } from './preprocess-spec.js';
export { inspectImage, sniffFormat, SUPPORTED_FORMATS, type ImageFormat, type ImageInfo } from './image-decode.js';
export { loadLabels, parseLabels, formatLabel, type Label } from './labels.js';
export { softmax, topK, type Ranked } from './postprocess.js';

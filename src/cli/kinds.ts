import type { ModelKind } from '../core/model.js';
import { faqMatcherKind } from '../tasks/faq/matcher.js';
import { onnxModelKind } from '../tasks/onnx/model.js';
import { imageClassifierKind } from '../tasks/vision/classifier.js';

/**
 * The model kinds this build of rtscore serves. Each knows how to load a
 * version folder and how to build a first version from what the project ships
 * (train the FAQ models, generate the ResNet). A new task = a new entry here.
 */
export const modelKinds: readonly ModelKind[] = [faqMatcherKind, imageClassifierKind, onnxModelKind];

/** The torchvision ResNet v1.5 architecture written as ONNX with seeded weights. */
export {
  RESNET_DEPTHS,
  type ResnetDepth,
  type ResnetOptions,
  type ResnetPlan,
  type ResnetSummary,
  resnetPlan,
  resnetSummary,
  resolveResnetOptions,
} from './architecture.js';
export {
  type BuildResnetOptions,
  buildResnetModel,
  encodeResnetModel,
  RESNET_INPUT,
  RESNET_IR_VERSION,
  RESNET_OPSET,
  RESNET_OUTPUT,
  resnetModelProto,
} from './build.js';
export { type WriteResnetOptions, type WriteResnetResult, writeResnetModel } from './write.js';

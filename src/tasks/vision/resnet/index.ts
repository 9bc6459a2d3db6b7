/** The torchvision ResNet v1.5 architecture written as ONNX with seeded weights. */
export {
  RESNET_DEPTHS, resnetPlan, resnetSummary, resolveResnetOptions,
  type ResnetDepth, type ResnetOptions, type ResnetSummary, type ResnetPlan,
} from './architecture.js';
export {
  buildResnetModel, encodeResnetModel, resnetModelProto, RESNET_INPUT, RESNET_OUTPUT, RESNET_OPSET, RESNET_IR_VERSION,
  type BuildResnetOptions,
} from './build.js';
export { writeResnetModel, type WriteResnetOptions, type WriteResnetResult } from './write.js';

import { bfloat16ToNumber, halfToNumber } from '../../core/datatypes.js';
import type { NumericArray, Tensor } from '../../core/tensor.js';
import { encodeBinaryTensor } from './binary.js';

/**
 * The inference response: `{model_name, model_version, id?, outputs: [...]}`
 * with each output's `data` flat and row-major. Serialised by hand so that
 * INT64/UINT64 values come out as exact JSON numbers (JSON.stringify refuses
 * BigInt, and converting through Number would round above 2^53).
 * Outputs marked binary carry `parameters.binary_data_size` instead of
 * `data`, and their bytes follow the JSON in output order; the caller then
 * sends `Inference-Header-Content-Length: <headerLength>`.
 */
export interface ResponseOutput {
  tensor: Tensor;
  binary: boolean;
}

export interface InferResponse {
  modelName: string;
  modelVersion: string;
  id?: string;
  outputs: ResponseOutput[];
}

export interface EncodedResponse {
  /** JSON text, or JSON + blobs when any output is binary. */
  body: string | Buffer;
  /** Bytes of JSON at the start of a binary body; undefined for a pure JSON body. */
  headerLength?: number;
}

export function encodeInferResponse(response: InferResponse): EncodedResponse {
  const blobs: Buffer[] = [];
  const outputs = response.outputs.map(({ tensor, binary }) => {
    const parameters: Record<string, unknown> = { ...(tensor.parameters ?? {}) };
    let data = '';
    if (binary) {
      const blob = encodeBinaryTensor(tensor);
      blobs.push(blob);
      parameters.binary_data_size = blob.length;
    } else {
      const json = dataToJson(tensor);
      data = json.text;
      if (json.contentType) parameters.content_type = json.contentType;
    }
    const head = `{"name":${JSON.stringify(tensor.name)},"datatype":${JSON.stringify(tensor.datatype)},"shape":${JSON.stringify(tensor.shape)}`;
    const params = Object.keys(parameters).length > 0 ? `,"parameters":${JSON.stringify(parameters)}` : '';
    return `${head}${params}${binary ? '' : `,"data":${data}`}}`;
  });
  const json =
    `{"model_name":${JSON.stringify(response.modelName)},"model_version":${JSON.stringify(response.modelVersion)}` +
    `${response.id !== undefined ? `,"id":${JSON.stringify(response.id)}` : ''},"outputs":[${outputs.join(',')}]}`;
  if (blobs.length === 0) return { body: json };
  const header = Buffer.from(json, 'utf8');
  return { body: Buffer.concat([header, ...blobs]), headerLength: header.length };
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A tensor's data as a flat JSON array. BYTES elements become strings when
 * they are all valid UTF-8, base64 otherwise (flagged `content_type: "base64"`).
 * FP16/BF16 are decoded to numbers; non-finite floats become null (JSON has
 * no NaN or Infinity).
 */
export function dataToJson(tensor: Pick<Tensor, 'datatype' | 'data'>): { text: string; contentType?: 'base64' } {
  const { datatype, data } = tensor;
  switch (datatype) {
    case 'BYTES': {
      const elements = data as Uint8Array[];
      try {
        return { text: JSON.stringify(elements.map((e) => UTF8.decode(e))) };
      } catch {
        return { text: JSON.stringify(elements.map((e) => Buffer.from(e.buffer, e.byteOffset, e.byteLength).toString('base64'))), contentType: 'base64' };
      }
    }
    case 'INT64':
    case 'UINT64':
      return { text: `[${Array.from(data as BigInt64Array | BigUint64Array, (v) => v.toString()).join(',')}]` };
    case 'BOOL':
      return { text: JSON.stringify(Array.from(data as Uint8Array, (v) => v !== 0)) };
    case 'FP16':
      return { text: JSON.stringify(Array.from(data as Uint16Array, halfToNumber)) };
    case 'BF16':
      return { text: JSON.stringify(Array.from(data as Uint16Array, bfloat16ToNumber)) };
    default:
      return { text: JSON.stringify(Array.from(data as Exclude<NumericArray, BigInt64Array | BigUint64Array>)) };
  }
}

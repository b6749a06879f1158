// Writes a fully connected ReLU network as an .onnx file (MatMul + Add + Relu per layer, float32,
// input "features" [batch, widths[0]] and output "scores"), with deterministic weights scaled by
// 1/sqrt(fan-in). Tests and the ONNX benchmark use it for models too large to commit as fixtures;
// the protobuf is encoded here (a few message types of onnx.proto) so no Python is needed.

/** A protobuf message under construction: fields appended in order. */
class Message {
  private readonly parts: Uint8Array[] = [];

  private varint(value: number): void {
    const bytes: number[] = [];
    let rest = value;
    while (rest >= 0x80) {
      bytes.push((rest % 0x80) | 0x80);
      rest = Math.floor(rest / 0x80);
    }
    bytes.push(rest);
    this.parts.push(Uint8Array.from(bytes));
  }

  int(field: number, value: number): this {
    this.varint(field * 8);
    this.varint(value);
    return this;
  }

  bytes(field: number, value: Uint8Array | Message | string): this {
    const data =
      typeof value === 'string'
        ? new TextEncoder().encode(value)
        : value instanceof Message
          ? value.encode()
          : value;
    this.varint(field * 8 + 2);
    this.varint(data.byteLength);
    this.parts.push(data);
    return this;
  }

  encode(): Uint8Array {
    return Buffer.concat(this.parts);
  }
}

const FLOAT = 1; // TensorProto.DataType.FLOAT

function valueInfo(name: string, width: number): Message {
  const shape = new Message()
    .bytes(1, new Message().bytes(2, 'batch')) // dim_param: the dynamic batch dimension
    .bytes(1, new Message().int(1, width)); // dim_value
  const tensorType = new Message().int(1, FLOAT).bytes(2, shape);
  return new Message().bytes(1, name).bytes(2, new Message().bytes(1, tensorType));
}

function initializer(name: string, dims: number[], values: Float32Array): Message {
  const tensor = new Message();
  for (const dim of dims) tensor.int(1, dim);
  return tensor
    .int(2, FLOAT)
    .bytes(8, name)
    .bytes(9, new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
}

function node(op: string, inputs: string[], output: string): Message {
  const message = new Message();
  for (const input of inputs) message.bytes(1, input);
  return message.bytes(2, output).bytes(3, `${op}_${output}`).bytes(4, op);
}

/** The bytes of an .onnx MLP with layer widths `widths` (input first, output last). */
export function mlpOnnx(widths: readonly number[], seed = 1): Uint8Array {
  let state = seed >>> 0;
  const random = () => {
    // xorshift32: deterministic weights without a dependency.
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 0x1_0000_0000 - 0.5;
  };
  const graph = new Message();
  let previous = 'features';
  for (let layer = 0; layer + 1 < widths.length; layer++) {
    const [fanIn, fanOut] = [widths[layer]!, widths[layer + 1]!];
    const weights = new Float32Array(fanIn * fanOut);
    const scale = 2 / Math.sqrt(fanIn);
    for (let i = 0; i < weights.length; i++) weights[i] = random() * scale;
    const bias = new Float32Array(fanOut).map(() => random() * 0.1);
    graph.bytes(5, initializer(`w${layer}`, [fanIn, fanOut], weights));
    graph.bytes(5, initializer(`b${layer}`, [fanOut], bias));
    const last = layer + 2 === widths.length;
    graph.bytes(1, node('MatMul', [previous, `w${layer}`], `m${layer}`));
    graph.bytes(1, node('Add', [`m${layer}`, `b${layer}`], last ? 'scores' : `a${layer}`));
    if (!last) graph.bytes(1, node('Relu', [`a${layer}`], `h${layer}`));
    previous = `h${layer}`;
  }
  graph.bytes(2, 'mlp');
  graph.bytes(11, valueInfo('features', widths[0]!));
  graph.bytes(12, valueInfo('scores', widths.at(-1)!));
  return new Message()
    .int(1, 8) // ir_version
    .bytes(2, 'mlinfra-benchmarks')
    .bytes(7, graph)
    .bytes(8, new Message().bytes(1, '').int(2, 17)) // opset_import: ai.onnx 17
    .encode();
}

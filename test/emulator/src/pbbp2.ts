/**
 * The long connection's wire format: protobuf `pbbp2.Frame` (proto2), one frame per binary WebSocket message.
 * The SDK never exports its schema, so the emulator declares its own copy (same field numbers and types as
 * the Node, Go and Python SDKs) and encodes with protobufjs, the library the SDK decodes with.
 */
import protobuf from "protobufjs";

const SCHEMA = `
syntax = "proto2";
package pbbp2;
message Header { required string key = 1; required string value = 2; }
message Frame {
  required uint64 SeqID = 1;
  required uint64 LogID = 2;
  required int32 service = 3;
  required int32 method = 4;
  repeated Header headers = 5;
  optional string payload_encoding = 6;
  optional string payload_type = 7;
  optional bytes payload = 8;
  optional string LogIDNew = 9;
}
`;

// resolveAll() settles the proto2 features, without which `required` is not enforced on decode.
const FrameType = protobuf.parse(SCHEMA).root.resolveAll().lookupType("pbbp2.Frame");

export interface FrameHeader {
  key: string;
  value: string;
}

/** One decoded frame; protobufjs names the optional snake_case fields in camelCase, as the SDK does. */
export interface Frame {
  SeqID: number;
  LogID: number;
  service: number;
  /** WS.METHOD_CONTROL (ping/pong) or WS.METHOD_DATA (event pushes and their acks). */
  method: number;
  headers: FrameHeader[];
  payloadEncoding?: string;
  payloadType?: string;
  payload?: Uint8Array;
  LogIDNew?: string;
}

export function encodeFrame(frame: Frame): Buffer {
  const message = FrameType.fromObject(frame);
  return Buffer.from(FrameType.encode(message).finish());
}

/** Throws (protobufjs ProtocolError or RangeError) on bytes that are not a complete, valid Frame. */
export function decodeFrame(bytes: Uint8Array): Frame {
  const message = FrameType.decode(bytes);
  // uint64 decodes to Long objects; the emulator's ids stay far below 2^53.
  const plain = FrameType.toObject(message, { longs: Number, arrays: true }) as Frame;
  return plain;
}

/** The headers as a key → value map (a repeated key keeps its last value, as the SDK's reduce does). */
export function headerMap(frame: Frame): Record<string, string> {
  const map: Record<string, string> = {};
  for (const h of frame.headers) map[h.key] = h.value;
  return map;
}

export const headers = (map: Record<string, string>): FrameHeader[] =>
  Object.entries(map).map(([key, value]) => ({ key, value }));

/**
 * A frame holding only a header: valid protobuf, but the required SeqID/LogID/service/method are missing,
 * so the SDK's decode throws a ProtocolError. Written by hand because encode() does not skip required fields.
 */
export function frameMissingRequiredFields(): Buffer {
  const writer = protobuf.Writer.create();
  writer.uint32((5 << 3) | 2).fork();
  writer.uint32((1 << 3) | 2).string("type");
  writer.uint32((2 << 3) | 2).string("event");
  writer.ldelim();
  return Buffer.from(writer.finish());
}

/**
 * An ack's payload, UTF-8 JSON `{code, data?}` where data is base64 of JSON (a callback's answer); a string
 * says why it is unusable. `problem` flags a data field that does not decode (the ack still counts).
 */
export function readAckPayload(
  frame: Frame,
): { code: number; rawData?: string; data?: unknown; problem?: string } | string {
  let parsed: { code?: unknown; data?: unknown };
  try {
    parsed = JSON.parse(Buffer.from(frame.payload ?? []).toString("utf8"));
  } catch {
    return "ack payload is not JSON";
  }
  if (typeof parsed?.code !== "number") return "ack payload has no numeric code";
  if (typeof parsed.data !== "string") return { code: parsed.code };
  try {
    const data: unknown = JSON.parse(Buffer.from(parsed.data, "base64").toString("utf8"));
    return { code: parsed.code, rawData: parsed.data, data };
  } catch {
    return { code: parsed.code, rawData: parsed.data, problem: "ack data is not base64 JSON" };
  }
}

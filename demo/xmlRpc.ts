// Just enough XML-RPC for PyPI's journal methods: parse a methodCall's scalar params, write responses and faults.
import { escapeXml } from './http';

export type XmlRpcValue = string | number | boolean | null | XmlRpcValue[];

export function methodCall(xml: string): { method: string; params: XmlRpcValue[] } | null {
  const method = /<methodName>\s*([\w.]+)\s*<\/methodName>/.exec(xml)?.[1];
  if (!method || !/<methodCall>[\s\S]*<\/methodCall>/.test(xml)) return null;
  const params: XmlRpcValue[] = [];
  for (const [, value] of xml.matchAll(/<param>\s*<value>([\s\S]*?)<\/value>\s*<\/param>/g)) {
    const typed = /^\s*<(int|i4|i8|string|boolean|double)>([\s\S]*?)<\/\1>\s*$/.exec(value!);
    if (!typed) params.push(value!.includes('<') ? null : value!);
    else if (typed[1] === 'string') params.push(typed[2]!.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&'));
    else if (typed[1] === 'boolean') params.push(typed[2]!.trim() === '1');
    else params.push(Number(typed[2]));
  }
  return { method, params };
}

function value(v: XmlRpcValue): string {
  if (v === null) return '<value><nil/></value>';
  if (Array.isArray(v)) return `<value><array><data>${v.map(value).join('')}</data></array></value>`;
  if (typeof v === 'boolean') return `<value><boolean>${v ? 1 : 0}</boolean></value>`;
  if (typeof v === 'number') return Number.isInteger(v) ? `<value><int>${v}</int></value>` : `<value><double>${v}</double></value>`;
  return `<value><string>${escapeXml(v)}</string></value>`;
}

export function xmlRpcResponse(result: XmlRpcValue): string {
  return `<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n${value(result)}\n</param>\n</params>\n</methodResponse>\n`;
}

export function xmlRpcFault(code: number, message: string): string {
  return (
    `<?xml version='1.0'?>\n<methodResponse>\n<fault>\n<value><struct>\n` +
    `<member><name>faultCode</name><value><int>${code}</int></value></member>\n` +
    `<member><name>faultString</name>${value(message)}</member>\n` +
    `</struct></value>\n</fault>\n</methodResponse>\n`
  );
}

/** Reading what the adapter sent: buttons, headers and texts out of Block Kit payloads. */
export interface FoundButton {
  text: string;
  actionId: string;
  value: string;
}

type Json = Record<string, unknown>;

export function buttonsIn(payload: unknown): FoundButton[] {
  const found: FoundButton[] = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!node || typeof node !== 'object') return;
    const obj = node as Json;
    if (obj.type === 'button' && typeof obj.action_id === 'string') {
      found.push({ text: String((obj.text as Json | undefined)?.text ?? ''), actionId: obj.action_id, value: String(obj.value ?? '') });
      return;
    }
    Object.values(obj).forEach(walk);
  };
  walk(payload);
  return found;
}

export function buttonLabelled(payload: unknown, label: string): FoundButton {
  const button = buttonsIn(payload).find((b) => b.text === label);
  if (!button) throw new Error(`no button “${label}” in ${JSON.stringify(buttonsIn(payload).map((b) => b.text))}`);
  return button;
}

export function headerText(payload: unknown): string | undefined {
  const blocks = (payload as Json).blocks as Json[] | undefined;
  const header = blocks?.find((b) => b.type === 'header');
  return (header?.text as Json | undefined)?.text as string | undefined;
}

/** Every text object's text and the fallback text, joined: what the reader sees. */
export function allText(payload: unknown): string {
  const out: string[] = [];
  const walk = (node: unknown, key?: string) => {
    if (typeof node === 'string') {
      if (key === 'text') out.push(node);
      return;
    }
    if (Array.isArray(node)) return node.forEach((n) => walk(n, key));
    if (node && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) if (k !== 'value' && k !== 'private_metadata') walk(v, k);
    }
  };
  walk(payload);
  return out.join('\n');
}

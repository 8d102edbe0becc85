import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const PORTS = join(import.meta.dirname, '../../src/ports');

/** Every class declared in a file, found by the TypeScript parser rather than a regex. */
function classesIn(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isClassDeclaration(node) || ts.isClassExpression(node)) found.push(node.name?.text ?? '(anonymous)');
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('architecture: the ports are contracts', () => {
  it('given every file in src/ports, when parsed, then none declares a class', () => {
    const files = readdirSync(PORTS, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(5);
    const classes = files.flatMap((f) => classesIn(join(PORTS, f)).map((name) => `${f}: ${name}`));
    expect(classes).toEqual([]);
  });
});

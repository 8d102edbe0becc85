/** A refusal the operator can fix: the CLI prints the message alone and exits 1. */
export class OperationRefused extends Error {
  override readonly name = 'OperationRefused';
}

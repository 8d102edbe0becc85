/**
 * Block Kit's limits, as Slack documents them (docs.slack.dev/reference/block-kit). A payload
 * over any of them is refused by Slack as `invalid_blocks`, so the renderer cuts to these.
 */
export const BLOCK_KIT = {
  messageBlocks: 50,
  viewBlocks: 100,
  headerText: 150,
  sectionText: 3000,
  sectionFields: 10,
  fieldText: 2000,
  contextElements: 10,
  contextText: 2000,
  actionsElements: 25,
  buttonText: 75,
  buttonValue: 2000,
  actionId: 255,
  blockId: 255,
  /** Top-level `text` of a message: Slack truncates past 40,000; notifications show far less. */
  messageText: 3000,
  modalTitle: 24,
  modalButton: 24,
  inputLabel: 2000,
  inputPlaceholder: 150,
  inputMaxLength: 3000,
  privateMetadata: 3000,
  imageAltText: 2000,
  /** How Slack's input error messages are kept readable beside a field. */
  inputError: 2000,
} as const;

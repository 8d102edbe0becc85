/**
 * Discord's documented limits on what one message, embed, component or modal may carry.
 * Lengths are checked in UTF-16 units, which never undercounts Discord's characters.
 */
export const DISCORD = {
  contentLength: 2000,
  embedsPerMessage: 10,
  embedTitle: 256,
  embedDescription: 4096,
  fieldsPerEmbed: 25,
  fieldName: 256,
  fieldValue: 1024,
  footerText: 2048,
  /** Title, description, field names and values, footer and author of every embed together. */
  embedsTotal: 6000,
  rowsPerMessage: 5,
  buttonsPerRow: 5,
  buttonLabel: 80,
  modalTitle: 45,
  modalFields: 5,
  inputLabel: 45,
  inputValue: 4000,
  inputPlaceholder: 100,
  autocompleteChoices: 25,
  choiceName: 100,
  choiceValue: 100,
  commandDescription: 100,
  commandName: 32,
  optionsPerCommand: 25,
} as const;

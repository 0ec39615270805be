// A period's tag colour by status; the words (period_label, kind_label, status_label) come from
// the API.
const colours = { running: 'primary', done: 'success', failed: 'danger' }
export const periodTagType = (s) => colours[s] || 'info'

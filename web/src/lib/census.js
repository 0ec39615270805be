// A census round's tag colour by status; the words (status_label, select_label) come from the API.
const colours = { running: 'primary', done: 'success', cancelled: 'info' }
export const roundTagType = (s) => colours[s] || 'info'

// actor names who started a round: a user name, or 系统 for the monthly cycle's own rounds.
export const actor = (a) => (a === 'system' ? '系统' : a || '—')

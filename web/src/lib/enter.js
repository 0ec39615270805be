// v-enter-stays: Enter inside the element does what its field does with it (a date picker
// commits the typed date, a tag input adds the entry) and does not submit the form around it,
// as Enter in a form's input otherwise does. A date typed and committed with Enter once sent a
// half-filled task form. Both events: with keydown alone the browser still submitted on the
// synthesized keypress.
function stay(e) {
  if (e.key === 'Enter') e.preventDefault()
}

export const enterStays = {
  mounted(el) {
    el.addEventListener('keydown', stay)
    el.addEventListener('keypress', stay)
  },
  unmounted(el) {
    el.removeEventListener('keydown', stay)
    el.removeEventListener('keypress', stay)
  },
}

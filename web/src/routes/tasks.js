// Routes of the task work everyone does (inbox, task page, notifications). Owned by the inbox
// and task screens; other screens live in screens.js.
export default []

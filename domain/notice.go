package domain

// Notice is one notification to people: a title and a Chinese sentence naming the thing, and a
// link to it (a UI/API path) kept apart from the body. Key makes a retried notice a no-op.
type Notice struct {
	Key         string
	Kind        string // e.g. "task.created", "census.round"
	Title       string
	Body        string
	TaskID      string // "" when it is about no task
	Link        string // e.g. "/tasks/01J…", "/ledgers/…"; never part of Body
	SubjectType SubjectType
	Subject     string
}

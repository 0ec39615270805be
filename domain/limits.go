package domain

// Named limits: each bounds one kind of field, both where the input is checked and in the
// OpenAPI document (api/limits_test.go keeps the two equal). Texts count characters (runes)
// after trimming; the class bounds of text.go (MaxShortText, MaxReasonText, MaxLongText) apply
// to every text on top of these.
const (
	// MaxDecisionReason bounds the reason given for a decision on a party organization
	// (dissolution, adjustment, moving the re-election date) and the basis 依据 of a census
	// responsibility ruling.
	MaxDecisionReason = 500
	// MaxNote bounds a note or reason written in a task form (census, formation, assessment
	// review, a supervision note) and the reason for reopening an assessment.
	MaxNote = 1000
	// MaxCommentText bounds a task comment.
	MaxCommentText = 4000
	// MaxEvidenceText bounds the evidence text of a self-assessment item.
	MaxEvidenceText = 5000
	// MaxPersonName bounds a person's name or contact in a form (a member, an instructor).
	MaxPersonName = 50

	// MinExtensionWorkingDays and MaxExtensionWorkingDays bound a deadline extension, asked
	// through the API or in a task form (extend_working_days).
	MinExtensionWorkingDays = 1
	MaxExtensionWorkingDays = 30
	// MaxDrillWorkingDays bounds a drill task's due date. DefaultTaskWorkingDays: a task asked
	// for with no due date (a drill without due_in_working_days among them) is due in this many
	// working days.
	MaxDrillWorkingDays    = 30
	DefaultTaskWorkingDays = 5

	// MinUsernameLength and MaxUsernameLength bound a username.
	MinUsernameLength = 3
	MaxUsernameLength = 64
	// MaxPasswordBytes is bcrypt's limit; MinPasswordLength (user.go) the shortest password.
	MaxPasswordBytes = 72

	// MaxPageSize bounds a page of a list; DefaultPageSize is used when none is asked.
	MaxPageSize     = 200
	DefaultPageSize = 50
	// MaxBulkTasks bounds the task IDs of one bulk operation.
	MaxBulkTasks = 200
	// MaxTaskTitle bounds a task's title and a notification's title (domain.TaskTitle cuts).
	MaxTaskTitle = 200
	// MaxDocPrefix bounds a unit's 文号 prefix (发文字号).
	MaxDocPrefix = 20
	// MaxViewName bounds the name of a saved inbox view; MaxViewsPerUser how many a user keeps.
	MaxViewName     = 40
	MaxViewsPerUser = 30
)

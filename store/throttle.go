package store

import (
	"context"
	"time"

	"gorm.io/gorm"

	"tandem/domain"
)

// ThrottleLimit says how many failures a subject (an account, a client address) may have
// before it is locked out, and for how long. The counters live in the database, so every API
// process shares them.
type ThrottleLimit struct {
	// Failures within Window that start a lock; each further failure doubles the lock.
	Failures int
	// Window is how long a counter is remembered after its last failure, or after its lock ends.
	Window time.Duration
	// Lock is the first lock; MaxLock caps the doubling.
	Lock, MaxLock time.Duration
}

// LockFor is how long the failures-th failure locks the subject (0: no lock yet).
func (l ThrottleLimit) LockFor(failures int) time.Duration {
	if l.Failures <= 0 || failures < l.Failures {
		return 0
	}
	d := l.Lock
	for i := l.Failures; i < failures && d < l.MaxLock; i++ {
		d *= 2
	}
	return min(d, l.MaxLock)
}

// Subjects of the throttle counters.
func LoginUserSubject(username string) string { return "login-user:" + username }
func LoginAddressSubject(addr string) string  { return "login-addr:" + addr }
func SurveyAddressSubject(addr string) string { return "survey-addr:" + addr }

type throttleRow struct {
	Subject     string `gorm:"primaryKey"`
	Failures    int
	LockedUntil *time.Time
	ExpiresAt   time.Time
}

func (throttleRow) TableName() string { return "throttle_counters" }

// LockedUntil returns the latest lock among subjects still running now, or the zero time.
func (s *Store) LockedUntil(ctx context.Context, subjects ...string) (time.Time, error) {
	now := s.Now().UTC()
	var rows []throttleRow
	err := s.db.WithContext(ctx).Where("subject IN ? AND locked_until > ?", subjects, now).Find(&rows).Error
	if err != nil {
		return time.Time{}, translate(err, "throttle counters")
	}
	var until time.Time
	for _, r := range rows {
		if r.LockedUntil != nil && r.LockedUntil.After(until) {
			until = *r.LockedUntil
		}
	}
	return until, nil
}

// RecordFailure counts one failure of subject under l and returns the count and the lock it
// started (zero if none).
func (s *Store) RecordFailure(ctx context.Context, subject string, l ThrottleLimit) (int, time.Time, error) {
	var (
		n     int
		until time.Time
	)
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		n, until, err = s.recordFailure(ctx, tx, subject, l)
		return err
	})
	return n, until, err
}

// recordFailure is one atomic upsert (a concurrent failure in another process counts too), and
// when the count reaches the limit an update that only ever lengthens the lock.
func (s *Store) recordFailure(ctx context.Context, tx *gorm.DB, subject string, l ThrottleLimit) (int, time.Time, error) {
	now := s.Now().UTC()
	var n int
	err := tx.WithContext(ctx).Raw(`INSERT INTO throttle_counters (subject, failures, locked_until, expires_at)
		VALUES (?, 1, NULL, ?)
		ON CONFLICT (subject) DO UPDATE SET
			failures = CASE WHEN throttle_counters.expires_at <= ? THEN 1 ELSE throttle_counters.failures + 1 END,
			locked_until = CASE WHEN throttle_counters.expires_at <= ? THEN NULL ELSE throttle_counters.locked_until END,
			expires_at = CASE WHEN throttle_counters.expires_at < excluded.expires_at THEN excluded.expires_at
				ELSE throttle_counters.expires_at END
		RETURNING failures`, subject, now.Add(l.Window), now, now).Scan(&n).Error
	if err != nil {
		return 0, time.Time{}, translate(err, "throttle counter")
	}
	lock := l.LockFor(n)
	if lock == 0 {
		return n, time.Time{}, nil
	}
	until := now.Add(lock)
	err = tx.WithContext(ctx).Exec(`UPDATE throttle_counters SET locked_until = ?, expires_at = ?
		WHERE subject = ? AND (locked_until IS NULL OR locked_until < ?)`,
		until, until.Add(l.Window), subject, until).Error
	if err != nil {
		return 0, time.Time{}, translate(err, "throttle counter")
	}
	return n, until, nil
}

// ResetThrottle forgets the failures of subject (a login that succeeded).
func (s *Store) ResetThrottle(ctx context.Context, subject string) error {
	return translate(s.db.WithContext(ctx).Where("subject = ?", subject).Delete(&throttleRow{}).Error, "throttle counter")
}

// DeleteExpiredThrottles removes counters that no longer count; it returns how many.
func (s *Store) DeleteExpiredThrottles(ctx context.Context) (int64, error) {
	res := s.db.WithContext(ctx).Where("expires_at <= ?", s.Now().UTC()).Delete(&throttleRow{})
	return res.RowsAffected, translate(res.Error, "throttle counters")
}

// LoginFailure is one failed sign-in, as the audit trail records it.
type LoginFailure struct {
	Username string
	Address  string
	// Reason is for admins reading the trail: unknown_user, wrong_password or disabled.
	Reason string
}

// anonymousActor is the actor of what nobody signed in did (a failed sign-in).
const anonymousActor = "anonymous"

type loginFailureAudit struct {
	Address     string     `json:"address"`
	Reason      string     `json:"reason"`
	Failures    int        `json:"failures"`
	LockedUntil *time.Time `json:"locked_until,omitempty"`
}

// RecordLoginFailure counts a failed sign-in against the account and the client address and
// writes an auth.login_failed audit record, in one transaction. It returns the lock this
// failure started, if any (the later of the two).
func (s *Store) RecordLoginFailure(ctx context.Context, f LoginFailure, account, address ThrottleLimit) (time.Time, error) {
	var until time.Time
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		n, userUntil, err := s.recordFailure(ctx, tx, LoginUserSubject(f.Username), account)
		if err != nil {
			return err
		}
		_, addrUntil, err := s.recordFailure(ctx, tx, LoginAddressSubject(f.Address), address)
		if err != nil {
			return err
		}
		until = userUntil
		if addrUntil.After(until) {
			until = addrUntil
		}
		rec := loginFailureAudit{Address: f.Address, Reason: f.Reason, Failures: n}
		if !until.IsZero() {
			rec.LockedUntil = &until
		}
		return s.audit(ctx, tx, anonymousActor, "auth.login_failed", "user", f.Username, "", nil, rec)
	})
	return until, err
}

type unlockAudit struct {
	Failures    int        `json:"failures"`
	LockedUntil *time.Time `json:"locked_until,omitempty"`
}

// UnlockUser forgets the failed sign-ins of username, ending its lock (admins only). Locks of
// client addresses run out by themselves.
func (s *Store) UnlockUser(ctx context.Context, p domain.Principal, username string) error {
	if !p.Admin {
		return domain.Errorf(domain.EFORBIDDEN, "只有管理员可以解除用户锁定")
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var user userRow
		if err := tx.Where("username = ?", username).Take(&user).Error; err != nil {
			return translate(err, "user")
		}
		var old unlockAudit
		var rows []throttleRow
		if err := tx.Where("subject = ? AND expires_at > ?", LoginUserSubject(username), s.Now().UTC()).Find(&rows).Error; err != nil {
			return translate(err, "throttle counter")
		}
		for _, r := range rows {
			old = unlockAudit{Failures: r.Failures, LockedUntil: r.LockedUntil}
		}
		if err := tx.Where("subject = ?", LoginUserSubject(username)).Delete(&throttleRow{}).Error; err != nil {
			return translate(err, "throttle counter")
		}
		return s.audit(ctx, tx, p.Username, "user.unlock", "user", username, "", old, unlockAudit{})
	})
}

package store

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"tandem/domain"
)

type userRow struct {
	ID           string `gorm:"primaryKey"`
	Username     string
	PasswordHash string
	IsAdmin      bool
	DisabledAt   *time.Time
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

func (userRow) TableName() string { return "users" }

type membershipRow struct {
	UserID string `gorm:"primaryKey"`
	UnitID string `gorm:"primaryKey"`
	Role   string `gorm:"primaryKey"`
}

func (membershipRow) TableName() string { return "memberships" }

type tokenRow struct {
	Hash      string `gorm:"primaryKey"`
	UserID    string
	CreatedAt time.Time
	ExpiresAt time.Time
}

func (tokenRow) TableName() string { return "tokens" }

// userAudit is what the audit trail records of a user (never the password hash).
type userAudit struct {
	Username    string           `json:"username"`
	Admin       bool             `json:"admin,omitempty"`
	Memberships []membershipJSON `json:"memberships,omitempty"`
	Disabled    bool             `json:"disabled,omitempty"`
}

type membershipJSON struct {
	UnitID string `json:"unit_id"`
	Role   string `json:"role"`
}

// NewUser is what creating a user takes. PasswordHash is already hashed by the caller.
type NewUser struct {
	Username     string
	PasswordHash string
	Admin        bool
	Memberships  []domain.Membership
}

// CreateUser adds a user with memberships. Only admins create users.
func (s *Store) CreateUser(ctx context.Context, p domain.Principal, nu NewUser) (domain.User, error) {
	if !p.Admin {
		return domain.User{}, domain.Errorf(domain.EFORBIDDEN, "只有管理员可以创建用户")
	}
	var out domain.User
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		now := s.Now()
		row := userRow{ID: newID(), Username: nu.Username, PasswordHash: nu.PasswordHash, IsAdmin: nu.Admin, CreatedAt: now, UpdatedAt: now}
		if err := tx.Create(&row).Error; err != nil {
			if domain.ErrorCode(translate(err, "")) == domain.ECONFLICT {
				return &domain.Error{Code: domain.ECONFLICT, Message: "用户名已被使用",
					Fields: []domain.FieldError{{Field: "username", Code: domain.CodeTaken, Reason: domain.Message(domain.CodeTaken)}}}
			}
			return translate(err, "user")
		}
		audited := userAudit{Username: row.Username, Admin: row.IsAdmin}
		unitPath := ""
		for i, m := range nu.Memberships {
			var unit unitRow
			if err := tx.Where("id = ?", m.UnitID).Take(&unit).Error; err != nil {
				if errors.Is(err, gorm.ErrRecordNotFound) {
					return domain.Invalid("所属单位不存在",
						domain.FieldError{Field: fieldIndex("memberships", i, "unit_id"), Code: domain.CodeNoSuchUnit, Reason: domain.Message(domain.CodeNoSuchUnit)})
				}
				return translate(err, "unit")
			}
			if err := tx.Clauses(clause.OnConflict{DoNothing: true}).
				Create(&membershipRow{UserID: row.ID, UnitID: m.UnitID, Role: string(m.Role)}).Error; err != nil {
				return translate(err, "membership")
			}
			audited.Memberships = append(audited.Memberships, membershipJSON{UnitID: m.UnitID, Role: string(m.Role)})
			if unitPath == "" {
				unitPath = unit.Path
			}
		}
		if err := s.audit(ctx, tx, p.Username, "user.create", "user", row.Username, unitPath, nil, audited); err != nil {
			return err
		}
		var err error
		out, err = s.loadUser(ctx, tx, row)
		return err
	})
	return out, err
}

func fieldIndex(list string, i int, field string) string {
	return list + "[" + strconv.Itoa(i) + "]." + field
}

func (s *Store) loadUser(ctx context.Context, tx *gorm.DB, row userRow) (domain.User, error) {
	ms, err := s.memberships(ctx, tx, []string{row.ID})
	if err != nil {
		return domain.User{}, err
	}
	return domain.User{
		ID: row.ID, Username: row.Username, Admin: row.IsAdmin, Memberships: ms[row.ID],
		DisabledAt: row.DisabledAt, CreatedAt: row.CreatedAt,
	}, nil
}

// memberships loads the memberships of users, with each unit's path, in a stable order.
func (s *Store) memberships(ctx context.Context, tx *gorm.DB, userIDs []string) (map[string][]domain.Membership, error) {
	type row struct {
		UserID string
		UnitID string
		Role   string
		Path   string
	}
	var rows []row
	err := tx.WithContext(ctx).Table("memberships m").
		Select("m.user_id, m.unit_id, m.role, u.path").
		Joins("JOIN units u ON u.id = m.unit_id").
		Where("m.user_id IN ?", userIDs).
		Order("m.user_id, u.path, m.role").Scan(&rows).Error
	if err != nil {
		return nil, translate(err, "memberships")
	}
	out := make(map[string][]domain.Membership, len(userIDs))
	for _, r := range rows {
		out[r.UserID] = append(out[r.UserID], domain.Membership{UnitID: r.UnitID, UnitPath: r.Path, Role: domain.Role(r.Role)})
	}
	return out, nil
}

// visibleUsers restricts q (on users u) to users with a membership in the caller's scope.
func visibleUsers(q *gorm.DB, p domain.Principal) *gorm.DB {
	if p.Admin {
		return q
	}
	sub := scoped(q.Session(&gorm.Session{NewDB: true}).Table("memberships m").
		Select("m.user_id").Joins("JOIN units un ON un.id = m.unit_id"), "un.path", p)
	return q.Where("u.id IN (?)", sub)
}

// GetUser returns a user the caller may view, by username.
func (s *Store) GetUser(ctx context.Context, p domain.Principal, username string) (domain.User, error) {
	var row userRow
	q := visibleUsers(s.db.WithContext(ctx).Table("users u").Where("u.username = ?", username), p)
	if err := q.Take(&row).Error; err != nil {
		return domain.User{}, translate(err, "user")
	}
	return s.loadUser(ctx, s.db, row)
}

// ListUsers lists the users the caller may view, in creation order.
func (s *Store) ListUsers(ctx context.Context, p domain.Principal, page Page) ([]domain.User, string, error) {
	q, err := pageByID(visibleUsers(s.db.WithContext(ctx).Table("users u"), p), "u.id", page)
	if err != nil {
		return nil, "", err
	}
	var rows []userRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, "", translate(err, "users")
	}
	rows, next := nextCursor(rows, page, func(r userRow) string { return r.ID })
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	ms, err := s.memberships(ctx, s.db, ids)
	if err != nil {
		return nil, "", err
	}
	out := make([]domain.User, len(rows))
	for i, r := range rows {
		out[i] = domain.User{ID: r.ID, Username: r.Username, Admin: r.IsAdmin, Memberships: ms[r.ID], DisabledAt: r.DisabledAt, CreatedAt: r.CreatedAt}
	}
	return out, next, nil
}

// Credentials is what login needs to know of a user.
type Credentials struct {
	UserID       string
	PasswordHash string
	Disabled     bool
}

// CredentialsOf returns the stored credentials of username (ENOTFOUND if none). It is not
// scoped: only the login path calls it.
func (s *Store) CredentialsOf(ctx context.Context, username string) (Credentials, error) {
	var row userRow
	if err := s.db.WithContext(ctx).Where("username = ?", username).Take(&row).Error; err != nil {
		return Credentials{}, translate(err, "user")
	}
	return Credentials{UserID: row.ID, PasswordHash: row.PasswordHash, Disabled: row.DisabledAt != nil}, nil
}

// SetPassword replaces a user's password hash and revokes all their tokens. A user may change
// their own; an admin may reset anyone's.
func (s *Store) SetPassword(ctx context.Context, p domain.Principal, username, hash string) error {
	changed := ""
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var row userRow
		if err := tx.Where("username = ?", username).Take(&row).Error; err != nil {
			return translate(err, "user")
		}
		action := "user.password_change"
		if row.ID != p.UserID {
			if !p.Admin {
				return domain.Errorf(domain.EFORBIDDEN, "只有管理员可以重置他人的密码")
			}
			action = "user.password_reset"
		}
		if err := tx.Model(&userRow{}).Where("id = ?", row.ID).
			Updates(map[string]any{"password_hash": hash, "updated_at": s.Now()}).Error; err != nil {
			return translate(err, "user")
		}
		if err := tx.Where("user_id = ?", row.ID).Delete(&tokenRow{}).Error; err != nil {
			return translate(err, "tokens")
		}
		changed = userKey(row.ID)
		if err := s.principalsChanged(tx, changed); err != nil {
			return err
		}
		return s.audit(ctx, tx, p.Username, action, "user", row.Username, "", nil, nil)
	})
	if err == nil {
		s.forgetPrincipals(changed)
	}
	return err
}

// SetDisabled disables (or re-enables) a user; disabling revokes all their tokens at once.
// Admins only; nobody disables themselves.
func (s *Store) SetDisabled(ctx context.Context, p domain.Principal, username string, disabled bool) (domain.User, error) {
	if !p.Admin {
		return domain.User{}, domain.Errorf(domain.EFORBIDDEN, "只有管理员可以停用或启用用户")
	}
	var out domain.User
	changed := ""
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var row userRow
		if err := tx.Where("username = ?", username).Take(&row).Error; err != nil {
			return translate(err, "user")
		}
		if row.ID == p.UserID {
			return domain.Errorf(domain.ECONFLICT, "不能停用自己")
		}
		was := row.DisabledAt != nil
		if was != disabled {
			var at *time.Time
			if disabled {
				now := s.Now()
				at = &now
			}
			if err := tx.Model(&userRow{}).Where("id = ?", row.ID).
				Updates(map[string]any{"disabled_at": at, "updated_at": s.Now()}).Error; err != nil {
				return translate(err, "user")
			}
			row.DisabledAt = at
			action := "user.enable"
			if disabled {
				action = "user.disable"
				if err := tx.Where("user_id = ?", row.ID).Delete(&tokenRow{}).Error; err != nil {
					return translate(err, "tokens")
				}
				changed = userKey(row.ID)
				if err := s.principalsChanged(tx, changed); err != nil {
					return err
				}
			}
			if err := s.audit(ctx, tx, p.Username, action, "user", row.Username, "",
				userAudit{Username: row.Username, Disabled: was}, userAudit{Username: row.Username, Disabled: disabled}); err != nil {
				return err
			}
		}
		var err error
		out, err = s.loadUser(ctx, tx, row)
		return err
	})
	if err == nil && changed != "" {
		s.forgetPrincipals(changed)
	}
	return out, err
}

// CreateToken stores the hash of a new bearer token for a user.
func (s *Store) CreateToken(ctx context.Context, userID, hash string, expiresAt time.Time) error {
	return translate(s.db.WithContext(ctx).Create(&tokenRow{Hash: hash, UserID: userID, CreatedAt: s.Now(), ExpiresAt: expiresAt}).Error, "token")
}

// DeleteToken revokes one token (on every process: see principals.go).
func (s *Store) DeleteToken(ctx context.Context, hash string) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("hash = ?", hash).Delete(&tokenRow{}).Error; err != nil {
			return translate(err, "token")
		}
		return s.principalsChanged(tx, tokenKey(hash))
	})
	if err == nil {
		s.forgetPrincipals(tokenKey(hash))
	}
	return err
}

// PrincipalByToken resolves a token hash to its enabled user, or EUNAUTHORIZED. One query
// (token, user and memberships joined): it runs on every request.
func (s *Store) PrincipalByToken(ctx context.Context, hash string) (domain.Principal, error) {
	now := s.Now()
	var gen uint64
	if c := s.principals; c != nil {
		p, g, ok := c.get(hash, now)
		if ok {
			return p, nil
		}
		gen = g
	}
	type row struct {
		ID        string
		Username  string
		IsAdmin   bool
		ExpiresAt time.Time
		UnitID    *string
		Role      *string
		Path      *string
	}
	rs, err := s.db.WithContext(ctx).Raw(`SELECT u.id, u.username, u.is_admin, t.expires_at, m.unit_id, m.role, un.path
		FROM tokens t JOIN users u ON u.id = t.user_id
		LEFT JOIN memberships m ON m.user_id = u.id LEFT JOIN units un ON un.id = m.unit_id
		WHERE t.hash = ? AND t.expires_at > ? AND u.disabled_at IS NULL
		ORDER BY un.path, m.role`, hash, now).Rows()
	if err != nil {
		return domain.Principal{}, translate(err, "token")
	}
	defer rs.Close()
	var rows []row
	for rs.Next() { // scanned by hand: this runs on every request
		var r row
		if err := rs.Scan(&r.ID, &r.Username, &r.IsAdmin, &r.ExpiresAt, &r.UnitID, &r.Role, &r.Path); err != nil {
			return domain.Principal{}, translate(err, "token")
		}
		rows = append(rows, r)
	}
	if err := rs.Err(); err != nil {
		return domain.Principal{}, translate(err, "token")
	}
	if len(rows) == 0 {
		return domain.Principal{}, domain.Errorf(domain.EUNAUTHORIZED, "登录令牌无效或已过期，请重新登录")
	}
	p := domain.Principal{UserID: rows[0].ID, Username: rows[0].Username, Admin: rows[0].IsAdmin}
	for _, r := range rows {
		if r.UnitID != nil {
			p.Memberships = append(p.Memberships, domain.Membership{UnitID: *r.UnitID, UnitPath: *r.Path, Role: domain.Role(*r.Role)})
		}
	}
	if c := s.principals; c != nil {
		c.put(hash, gen, domain.Principal{UserID: p.UserID, Username: p.Username, Admin: p.Admin, Memberships: slices.Clone(p.Memberships)},
			earliest(rows[0].ExpiresAt, now.Add(c.ttl)))
	}
	return p, nil
}

// DeleteExpiredTokens removes tokens past their expiry; it returns how many.
func (s *Store) DeleteExpiredTokens(ctx context.Context) (int64, error) {
	res := s.db.WithContext(ctx).Where("expires_at <= ?", s.Now()).Delete(&tokenRow{})
	return res.RowsAffected, translate(res.Error, "tokens")
}

// EnsureAdmin creates the global admin user with the given password hash when it does not
// exist; it reports whether it did.
func (s *Store) EnsureAdmin(ctx context.Context, username, hash string) (bool, error) {
	_, err := s.CredentialsOf(ctx, username)
	switch {
	case err == nil:
		return false, nil
	case domain.ErrorCode(err) != domain.ENOTFOUND:
		return false, err
	}
	_, err = s.CreateUser(ctx, domain.Principal{Username: domain.SystemActor, Admin: true},
		NewUser{Username: username, PasswordHash: hash, Admin: true})
	if domain.ErrorCode(err) == domain.ECONFLICT {
		// Another process (a second `tandem serve` starting at the same time) created it
		// between the look-up and the insert: it exists, which is all that was asked.
		if _, cerr := s.CredentialsOf(ctx, username); cerr == nil {
			return false, nil
		}
	}
	return err == nil, err
}

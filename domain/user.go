package domain

import (
	"strings"
	"time"
	"unicode/utf8"
)

// Role is what a member does for a unit. Admin is not a role of a unit but a global flag.
type Role string

const (
	RoleOfficer   Role = "officer"   // 组织部门/两新工委干部: approves, reviews, assigns
	RoleSecretary Role = "secretary" // 党组织书记: completes formation steps
	RoleInspector Role = "inspector" // 督查组/摸排人员: field tasks
	RoleLiaison   Role = "liaison"   // 部门联络员: delivers rosters
)

// Label is the role's Chinese name, as users read it.
func (r Role) Label() string {
	switch r {
	case RoleOfficer:
		return "干部"
	case RoleSecretary:
		return "党组织书记"
	case RoleInspector:
		return "摸排人员"
	case RoleLiaison:
		return "联络员"
	}
	return string(r)
}

// ValidRole reports whether r is a unit role.
func ValidRole(r Role) bool {
	switch r {
	case RoleOfficer, RoleSecretary, RoleInspector, RoleLiaison:
		return true
	}
	return false
}

// Membership is a user's role in a unit.
type Membership struct {
	UnitID   string
	UnitPath string // the unit's materialised path, filled when read
	Role     Role
}

// User is a person who signs in.
type User struct {
	ID          string
	Username    string
	Admin       bool
	Memberships []Membership
	DisabledAt  *time.Time
	CreatedAt   time.Time
}

// MinPasswordLength is the shortest password accepted.
const MinPasswordLength = 10

// ValidateUsername checks a username: 3–64 characters of letters, digits, '.', '_' or '-'.
func ValidateUsername(v *Validation, field, name string) {
	n := utf8.RuneCountInString(name)
	if n < MinUsernameLength || n > MaxUsernameLength {
		v.AddCode(field, CodeLengthRange, MinUsernameLength, MaxUsernameLength)
		return
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._-", r)) {
			v.AddCode(field, CodeUsernameChars)
			return
		}
	}
}

// ValidatePassword checks a new password.
func ValidatePassword(v *Validation, field, pw string) {
	if utf8.RuneCountInString(pw) < MinPasswordLength {
		v.AddCode(field, CodeMinLength, MinPasswordLength)
	}
	if len(pw) > MaxPasswordBytes {
		v.AddCode(field, CodeMaxBytes, MaxPasswordBytes) // bcrypt's limit
	}
}

// Principal is the authenticated caller of a request, with what it takes to scope reads.
type Principal struct {
	UserID      string
	Username    string
	Admin       bool
	Memberships []Membership
}

// ScopePaths returns the unit paths whose subtrees the caller may view. Admins see everything
// and need no paths.
func (p Principal) ScopePaths() []string {
	paths := make([]string, 0, len(p.Memberships))
	for _, m := range p.Memberships {
		paths = append(paths, m.UnitPath)
	}
	return paths
}

// Views reports whether the caller may view a unit with the given path.
func (p Principal) Views(unitPath string) bool {
	if p.Admin {
		return true
	}
	for _, m := range p.Memberships {
		if strings.HasPrefix(unitPath, m.UnitPath) {
			return true
		}
	}
	return false
}

// HoldsRoleOver reports whether the caller holds role in a unit whose subtree contains unitPath.
func (p Principal) HoldsRoleOver(role Role, unitPath string) bool {
	for _, m := range p.Memberships {
		if m.Role == role && strings.HasPrefix(unitPath, m.UnitPath) {
			return true
		}
	}
	return false
}

// HoldsAnyRole reports whether the caller holds one of the roles in some unit.
func (p Principal) HoldsAnyRole(roles ...Role) bool {
	for _, m := range p.Memberships {
		for _, r := range roles {
			if m.Role == r {
				return true
			}
		}
	}
	return false
}

// HoldsRoleIn reports whether the caller holds role in exactly the unit unitID.
func (p Principal) HoldsRoleIn(role Role, unitID string) bool {
	for _, m := range p.Memberships {
		if m.Role == role && m.UnitID == unitID {
			return true
		}
	}
	return false
}

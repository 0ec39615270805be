// Package auth signs users in: it hashes and checks passwords (bcrypt) and issues random
// bearer tokens, of which only a SHA-256 hash is stored.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"time"

	"golang.org/x/crypto/bcrypt"

	"tandem/domain"
	"tandem/store"
)

// Cost of bcrypt: about 50 ms on one core of a small machine, enough against offline guessing
// at a login rate people notice.
const bcryptCost = 11

// HashPassword returns the bcrypt hash of pw.
func HashPassword(pw string) (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(pw), bcryptCost)
	return string(h), err
}

// CheckPassword reports whether pw matches hash.
func CheckPassword(hash, pw string) bool {
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(pw)) == nil
}

// NewToken returns a new random bearer token and the hash to store for it.
func NewToken() (token, hash string) {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, HashToken(token)
}

// HashToken is the stored form of a token.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// RandomPassword returns a password for a bootstrapped account.
func RandomPassword() string {
	b := make([]byte, 15)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Service signs users in and out.
type Service struct {
	Store    *store.Store
	TokenTTL time.Duration
	// Limits throttle failed sign-ins and guessed survey links (DefaultLimits from NewService).
	Limits Limits
	// dummyHash keeps a login for an unknown user as slow as one for a known user.
	dummyHash string
}

// NewService returns a Service issuing tokens valid for ttl.
func NewService(s *store.Store, ttl time.Duration) *Service {
	h, _ := HashPassword("tandem-timing-equaliser")
	return &Service{Store: s, TokenTTL: ttl, Limits: DefaultLimits(), dummyHash: h}
}

// ErrBadCredentials is the one answer for an unknown user, a wrong password or a disabled user,
// so that a caller learns nothing about which usernames exist.
var ErrBadCredentials = domain.Errorf(domain.EUNAUTHORIZED, "用户名或密码错误")

// Login checks a username and password from the client address addr and returns a new token
// and its expiry. While the username or the address is locked by earlier failures, the answer
// is ETOOMANY whatever the password, and alike for usernames that exist and that do not.
func (s *Service) Login(ctx context.Context, username, password, addr string) (string, time.Time, error) {
	addr = AddressKey(addr)
	until, err := s.Store.LockedUntil(ctx, store.LoginUserSubject(username), store.LoginAddressSubject(addr))
	if err != nil {
		return "", time.Time{}, err
	}
	if !until.IsZero() {
		return "", time.Time{}, s.lockedError(until, "登录失败次数过多，已锁定至 %s（北京时间），请届时再试，或请管理员解锁。")
	}
	// Every path below costs one bcrypt comparison and, on failure, the same writes.
	reason := ""
	cred, err := s.Store.CredentialsOf(ctx, username)
	switch {
	case domain.ErrorCode(err) == domain.ENOTFOUND:
		CheckPassword(s.dummyHash, password)
		reason = "unknown_user"
	case err != nil:
		return "", time.Time{}, err
	case !CheckPassword(cred.PasswordHash, password):
		reason = "wrong_password"
	case cred.Disabled:
		reason = "disabled"
	}
	if reason != "" {
		// A failure that starts a lock still answers 401; the lock answers the next attempt.
		f := store.LoginFailure{Username: username, Address: addr, Reason: reason}
		if _, err := s.Store.RecordLoginFailure(ctx, f, s.Limits.Account, s.Limits.Address); err != nil {
			return "", time.Time{}, err
		}
		return "", time.Time{}, ErrBadCredentials
	}
	// The account's count starts over; the address's does not (one's own account must not
	// launder guesses at others').
	if err := s.Store.ResetThrottle(ctx, store.LoginUserSubject(username)); err != nil {
		return "", time.Time{}, err
	}
	token, hash := NewToken()
	expires := s.Store.Now().Add(s.TokenTTL)
	if err := s.Store.CreateToken(ctx, cred.UserID, hash, expires); err != nil {
		return "", time.Time{}, err
	}
	return token, expires, nil
}

// Authenticate resolves a bearer token to its principal.
func (s *Service) Authenticate(ctx context.Context, token string) (domain.Principal, error) {
	if token == "" {
		return domain.Principal{}, domain.Errorf(domain.EUNAUTHORIZED, "需要登录令牌（Bearer token）")
	}
	return s.Store.PrincipalByToken(ctx, HashToken(token))
}

// Logout revokes a token.
func (s *Service) Logout(ctx context.Context, token string) error {
	return s.Store.DeleteToken(ctx, HashToken(token))
}

// ChangePassword lets a user replace their own password after proving the current one.
func (s *Service) ChangePassword(ctx context.Context, p domain.Principal, current, next string) error {
	cred, err := s.Store.CredentialsOf(ctx, p.Username)
	if err != nil {
		return err
	}
	if !CheckPassword(cred.PasswordHash, current) {
		return domain.Invalid("当前密码不正确", domain.FieldError{Field: "current_password", Code: domain.CodeWrongPassword, Reason: domain.Message(domain.CodeWrongPassword)})
	}
	return s.SetPassword(ctx, p, p.Username, next)
}

// SetPassword validates and stores a new password for username (own, or any for an admin).
func (s *Service) SetPassword(ctx context.Context, p domain.Principal, username, pw string) error {
	var v domain.Validation
	domain.ValidatePassword(&v, "password", pw)
	if err := v.Err("密码不符合要求"); err != nil {
		return err
	}
	hash, err := HashPassword(pw)
	if err != nil {
		return errors.New("auth: hash password")
	}
	return s.Store.SetPassword(ctx, p, username, hash)
}

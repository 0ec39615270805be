package api

import (
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"tandem/domain"
)

type loginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

type loginResponse struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
}

func (s *Server) login(c *gin.Context) {
	var req loginRequest
	if !bindJSON(c, &req) {
		return
	}
	var v domain.Validation
	if req.Username == "" {
		v.Add("username", "required")
	}
	if req.Password == "" {
		v.Add("password", "required")
	}
	// No account has a longer name or password; the bounds also bound the throttle's keys.
	if utf8.RuneCountInString(req.Username) > domain.MaxUsernameLength {
		v.AddCode("username", domain.CodeMaxLength, domain.MaxUsernameLength)
	}
	if len(req.Password) > domain.MaxPasswordBytes {
		v.AddCode("password", domain.CodeMaxBytes, domain.MaxPasswordBytes)
	}
	if err := v.Err("用户名和密码均须填写"); err != nil {
		fail(c, err)
		return
	}
	token, expires, err := s.Auth.Login(c.Request.Context(), req.Username, req.Password, c.ClientIP())
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, loginResponse{Token: token, ExpiresAt: expires})
}

func (s *Server) logout(c *gin.Context) {
	token := strings.TrimSpace(strings.TrimPrefix(c.GetHeader("Authorization"), "Bearer "))
	if err := s.Auth.Logout(c.Request.Context(), token); err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

type meResponse struct {
	userResponse
	Units []unitResponse `json:"units"`
	// Roles: each membership with its unit's name and the role's Chinese name (what a header prints).
	Roles []meRole `json:"roles"`
}

type meRole struct {
	UnitID    string `json:"unit_id"`
	UnitName  string `json:"unit_name"`
	Role      string `json:"role"`
	RoleLabel string `json:"role_label"`
}

func (s *Server) me(c *gin.Context) {
	p := principal(c)
	ctx := c.Request.Context()
	u, err := s.Store.GetUser(ctx, p, p.Username)
	if err != nil {
		fail(c, err)
		return
	}
	resp := meResponse{userResponse: userFrom(u), Units: []unitResponse{}, Roles: []meRole{}}
	names := map[string]string{}
	for _, m := range u.Memberships {
		if _, seen := names[m.UnitID]; !seen {
			unit, err := s.Store.GetUnit(ctx, p, m.UnitID)
			if err != nil {
				fail(c, err)
				return
			}
			names[m.UnitID] = unit.Name
			resp.Units = append(resp.Units, unitFrom(unit))
		}
		resp.Roles = append(resp.Roles, meRole{UnitID: m.UnitID, UnitName: names[m.UnitID], Role: string(m.Role), RoleLabel: m.Role.Label()})
	}
	c.JSON(http.StatusOK, resp)
}

type changePasswordRequest struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
}

// changePassword replaces the caller's password; every token of theirs, this one included, is
// revoked, so the client signs in again.
func (s *Server) changePassword(c *gin.Context) {
	var req changePasswordRequest
	if !bindJSON(c, &req) {
		return
	}
	var v domain.Validation
	domain.ValidatePassword(&v, "new_password", req.NewPassword)
	if err := v.Err("新密码不符合要求"); err != nil {
		fail(c, err)
		return
	}
	if err := s.Auth.ChangePassword(c.Request.Context(), principal(c), req.CurrentPassword, req.NewPassword); err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

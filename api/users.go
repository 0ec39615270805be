package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"tandem/auth"
	"tandem/domain"
	"tandem/store"
)

type membershipBody struct {
	UnitID string `json:"unit_id"`
	Role   string `json:"role"`
}

// membershipResponse is a membership as the API shows it, with the role in Chinese.
type membershipResponse struct {
	UnitID    string `json:"unit_id"`
	Role      string `json:"role"`
	RoleLabel string `json:"role_label"` // 干部, 党组织书记, 摸排人员, 联络员
}

type userResponse struct {
	ID          string               `json:"id"`
	Username    string               `json:"username"`
	Admin       bool                 `json:"admin"`
	Disabled    bool                 `json:"disabled"`
	Memberships []membershipResponse `json:"memberships"`
	CreatedAt   time.Time            `json:"created_at"`
}

func userFrom(u domain.User) userResponse {
	r := userResponse{ID: u.ID, Username: u.Username, Admin: u.Admin, Disabled: u.DisabledAt != nil,
		Memberships: make([]membershipResponse, len(u.Memberships)), CreatedAt: u.CreatedAt}
	for i, m := range u.Memberships {
		r.Memberships[i] = membershipResponse{UnitID: m.UnitID, Role: string(m.Role), RoleLabel: m.Role.Label()}
	}
	return r
}

type createUserRequest struct {
	Username    string           `json:"username"`
	Password    string           `json:"password"`
	Memberships []membershipBody `json:"memberships"`
}

func (s *Server) createUser(c *gin.Context) {
	var req createUserRequest
	if !bindJSON(c, &req) {
		return
	}
	var v domain.Validation
	domain.ValidateUsername(&v, "username", req.Username)
	domain.ValidatePassword(&v, "password", req.Password)
	ms := make([]domain.Membership, 0, len(req.Memberships))
	for i, m := range req.Memberships {
		field := "memberships[" + strconv.Itoa(i) + "]"
		if m.UnitID == "" {
			v.Add(field+".unit_id", "required")
		}
		if !domain.ValidRole(domain.Role(m.Role)) {
			v.Add(field+".role", "must be officer, secretary, inspector or liaison")
		}
		ms = append(ms, domain.Membership{UnitID: m.UnitID, Role: domain.Role(m.Role)})
	}
	if err := v.Err("用户信息不正确"); err != nil {
		fail(c, err)
		return
	}
	hash, err := auth.HashPassword(req.Password)
	if err != nil {
		fail(c, err)
		return
	}
	u, err := s.Store.CreateUser(c.Request.Context(), principal(c), store.NewUser{Username: req.Username, PasswordHash: hash, Memberships: ms})
	if err != nil {
		fail(c, err)
		return
	}
	c.Header("Location", "/api/v1/users/"+u.Username)
	c.JSON(http.StatusCreated, userFrom(u))
}

func (s *Server) getUser(c *gin.Context) {
	u, err := s.Store.GetUser(c.Request.Context(), principal(c), c.Param("username"))
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, userFrom(u))
}

func (s *Server) listUsers(c *gin.Context) {
	page, err := pageFrom(c)
	if err != nil {
		fail(c, err)
		return
	}
	users, next, err := s.Store.ListUsers(c.Request.Context(), principal(c), page)
	if err != nil {
		fail(c, err)
		return
	}
	out := make([]userResponse, len(users))
	for i, u := range users {
		out[i] = userFrom(u)
	}
	c.JSON(http.StatusOK, list(out, next))
}

type resetPasswordRequest struct {
	Password string `json:"password"`
}

// resetPassword lets an admin set a user's password; the user's tokens are revoked.
func (s *Server) resetPassword(c *gin.Context) {
	var req resetPasswordRequest
	if !bindJSON(c, &req) {
		return
	}
	if err := s.Auth.SetPassword(c.Request.Context(), principal(c), c.Param("username"), req.Password); err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (s *Server) disableUser(c *gin.Context) { s.setDisabled(c, true) }
func (s *Server) enableUser(c *gin.Context)  { s.setDisabled(c, false) }

func (s *Server) setDisabled(c *gin.Context, disabled bool) {
	u, err := s.Store.SetDisabled(c.Request.Context(), principal(c), c.Param("username"), disabled)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, userFrom(u))
}

package web

import (
	"net/http"
	"strings"

	"github.com/liveshop/liveshop/internal/identity"
	"github.com/liveshop/liveshop/internal/platform/auth"
)

// localPath keeps a post-login redirect on this site.
func localPath(p string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") {
		return "/"
	}
	return p
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, "login", "Log in", "", map[string]string{"Next": localPath(r.URL.Query().Get("next"))})
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	next := localPath(r.PostFormValue("next"))
	sess, a, err := s.Identity.Login(r.Context(), r.PostFormValue("email"), r.PostFormValue("password"))
	if err != nil {
		s.back(w, r, "/login?next="+next, err)
		return
	}
	s.Identity.SetSessionCookie(w, sess)
	done(w, r, next, "Welcome back, "+a.DisplayName+".")
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(identity.SessionCookie); err == nil {
		_ = s.Identity.Logout(r.Context(), c.Value)
	}
	s.Identity.ClearSessionCookie(w)
	done(w, r, "/", "You are logged out.")
}

func (s *Server) signupPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, "signup", "Sign up", "", map[string]string{"Next": localPath(r.URL.Query().Get("next"))})
}

func (s *Server) signup(w http.ResponseWriter, r *http.Request) {
	in := identity.RegisterInput{Email: r.PostFormValue("email"), Password: r.PostFormValue("password"), DisplayName: r.PostFormValue("display_name")}
	for _, role := range r.PostForm["roles"] {
		in.Roles = append(in.Roles, auth.Role(role))
	}
	next := localPath(r.PostFormValue("next"))
	if _, err := s.Identity.Register(r.Context(), in); err != nil {
		s.back(w, r, "/signup", err)
		return
	}
	sess, a, err := s.Identity.Login(r.Context(), in.Email, in.Password)
	if err != nil {
		s.back(w, r, "/login", err)
		return
	}
	s.Identity.SetSessionCookie(w, sess)
	done(w, r, next, "Welcome to liveshop, "+a.DisplayName+".")
}

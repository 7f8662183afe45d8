package web

import (
	"crypto/sha256"
	"errors"
	"net/http"
	"strings"

	"github.com/entente/entente/internal/store"
)

type signinData struct {
	Next, Name string
	Failed     bool
	Expired    bool
	Throttled  bool
}

func (u *UI) signinForm(w http.ResponseWriter, r *http.Request) {
	v := &view{Lang: chooseLang(r), Path: r.URL.Path, Back: r.URL.RequestURI()}
	v.Title = translate(v.Lang, "signin.title")
	v.Data = signinData{Next: safeNext(r.URL.Query().Get("next")), Expired: r.URL.Query().Get("expired") != ""}
	if err := u.render(w, http.StatusOK, v, "signin"); err != nil {
		u.fail(w, r, v, err)
	}
}

// signin checks a name and password. An unknown name costs as much time as a wrong password,
// and both get the same answer.
func (u *UI) signin(w http.ResponseWriter, r *http.Request) {
	v := &view{Lang: chooseLang(r), Path: r.URL.Path, Back: "/signin"}
	name, pw := strings.TrimSpace(r.FormValue("name")), r.FormValue("password")
	next := safeNext(r.FormValue("next"))
	keys := throttleKeys(r, name)
	blocked, err := u.limit.blocked(r.Context(), keys)
	if err != nil {
		u.fail(w, r, v, internal(err))
		return
	}
	if blocked {
		u.d.Logger.Warn("sign-in refused: too many failures", "name", name, "remote", r.RemoteAddr)
		u.signinAgain(w, r, v, http.StatusTooManyRequests, signinData{Next: next, Name: name, Throttled: true})
		return
	}
	usr, err := u.d.Store.Users().Get(r.Context(), name)
	ok := false
	switch {
	case errors.Is(err, store.ErrNotFound) || name == "":
		CheckPassword(dummyHash(), pw)
	case err != nil:
		u.fail(w, r, v, internal(err))
		return
	default:
		ok, err = CheckPassword(usr.PasswordHash, pw)
		if err != nil {
			u.d.Logger.Error("stored password hash unreadable", "user", usr.ID, "err", err)
		}
	}
	if !ok {
		if err := u.limit.failed(r.Context(), keys); err != nil {
			u.d.Logger.Warn("sign-in failure not counted", "err", err)
		}
		u.d.Logger.Info("sign-in failed", "name", name, "remote", r.RemoteAddr)
		u.signinAgain(w, r, v, http.StatusUnauthorized, signinData{Next: next, Name: name, Failed: true})
		return
	}
	if err := u.limit.succeeded(r.Context(), keys); err != nil {
		u.d.Logger.Warn("sign-in failures not cleared", "err", err)
	}
	if err := u.startSession(r.Context(), w, r, usr); err != nil {
		u.fail(w, r, v, internal(err))
		return
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// signinAgain shows the sign-in form again, saying why.
func (u *UI) signinAgain(w http.ResponseWriter, r *http.Request, v *view, status int, d signinData) {
	v.Title, v.Data = translate(v.Lang, "signin.title"), d
	if err := u.render(w, status, v, "signin"); err != nil {
		u.fail(w, r, v, err)
	}
}

// safeNext keeps a redirect target on this site: a path, never a scheme or another host.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	return next
}

func (u *UI) signout(w http.ResponseWriter, r *http.Request, v *view, s *session) error {
	if c, err := r.Cookie(sessionCookie); err == nil {
		h := sha256.Sum256([]byte(c.Value))
		if err := u.d.Store.Users().DeleteSession(r.Context(), h[:]); err != nil {
			return internal(err)
		}
	}
	http.SetCookie(w, u.cookie(r, "", -1))
	http.Redirect(w, r, "/signin", http.StatusSeeOther)
	return nil
}

// setLang keeps the chosen language in a cookie for a year and goes back where the switch was
// pressed. It changes nothing else, so it needs no session.
func (u *UI) setLang(w http.ResponseWriter, r *http.Request) {
	lang := r.FormValue("lang")
	if !known(lang) {
		lang = languages[0]
	}
	http.SetCookie(w, &http.Cookie{Name: langCookie, Value: lang, Path: "/", MaxAge: 365 * 24 * 3600,
		SameSite: http.SameSiteLaxMode, Secure: u.secure(r), HttpOnly: true})
	http.Redirect(w, r, safeNext(r.FormValue("back")), http.StatusSeeOther)
}

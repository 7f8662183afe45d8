package web

import "net/http"

func (u *UI) routes() {
	m := u.mux
	m.Handle("GET /static/", http.FileServerFS(staticFS))
	m.HandleFunc("GET /favicon.ico", favicon)
	m.HandleFunc("GET /signin", u.signinForm)
	m.HandleFunc("POST /signin", u.signin)
	m.HandleFunc("POST /lang", u.setLang)
	m.Handle("POST /signout", u.page(u.signout))
	m.Handle("GET /{$}", u.page(u.dashboard))
	m.Handle("GET /search", u.page(u.search))
	m.Handle("GET /objects/{id}", u.page(u.object))
	m.Handle("POST /objects/{id}/shares", u.page(u.share))
	m.Handle("GET /new/{type}", u.page(u.newForm))
	m.Handle("POST /new/{type}", u.page(u.create))
	m.Handle("GET /objects/{id}/edit", u.page(u.editForm))
	m.Handle("POST /objects/{id}/edit", u.page(u.edit))
	m.Handle("POST /objects/{id}/revoke", u.page(u.revoke))
	m.Handle("GET /partners", u.page(u.partners))
	m.Handle("POST /partners", u.page(u.addOrg))
	m.Handle("POST /partners/{id}/agreement", u.page(u.setAgreement))
	m.Handle("GET /import", u.page(u.importForm))
	m.Handle("POST /import", u.page(u.importFile))
	m.Handle("GET /profile", u.page(u.profile))
	m.Handle("POST /profile/tokens", u.page(u.createToken))
	m.Handle("POST /profile/tokens/{id}/revoke", u.page(u.revokeToken))
	m.Handle("/", u.page(func(w http.ResponseWriter, r *http.Request, v *view, s *session) error { return notFound() }))
}

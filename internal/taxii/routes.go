package taxii

import "net/http"

// Root is the path of the node's one API root, below /taxii2/.
const Root = "/taxii2/root/"

func (s *Server) routes(mux *http.ServeMux) {
	mux.Handle("/taxii2/{$}", s.serve(s.methods(map[string]handler{"GET": s.discovery})))
	mux.Handle("/taxii2/root/{$}", s.serve(s.methods(map[string]handler{"GET": s.apiRoot})))
	mux.Handle("/taxii2/root/status/{status}/{$}", s.serve(s.methods(map[string]handler{"GET": s.status})))
	mux.Handle("/taxii2/root/collections/{$}", s.serve(s.methods(map[string]handler{"GET": s.collections})))
	mux.Handle("/taxii2/root/collections/{coll}/{$}", s.serve(s.methods(map[string]handler{"GET": s.collection})))
	mux.Handle("/taxii2/root/collections/{coll}/manifest/{$}", s.serve(s.methods(map[string]handler{"GET": s.manifest})))
	mux.Handle("/taxii2/root/collections/{coll}/objects/{$}", s.serve(s.methods(map[string]handler{"GET": s.getObjects, "POST": s.addObjects})))
	mux.Handle("/taxii2/root/collections/{coll}/objects/{object}/{$}", s.serve(s.methods(map[string]handler{"GET": s.getObject, "DELETE": s.deleteObject})))
	mux.Handle("/taxii2/root/collections/{coll}/objects/{object}/versions/{$}", s.serve(s.methods(map[string]handler{"GET": s.versions})))
	mux.Handle("/taxii2/", s.serve(func(w http.ResponseWriter, r *http.Request) error {
		return notFound("no TAXII endpoint at %s (TAXII paths end with a slash)", clip(r.URL.Path))
	}))
}

package web

import (
	"io"
	"net/http"

	"github.com/liveshop/liveshop/internal/catalog"
	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/httpx"
	"github.com/liveshop/liveshop/internal/platform/id"
)

// maxImportBytes bounds an uploaded CSV file.
const maxImportBytes = 8 << 20

// sellerImportPage is the bulk import tab: the upload form, and with ?job= the job's
// progress bar (kept current by seller_import.js) and, once done, its row errors.
func (s *Server) sellerImportPage(w http.ResponseWriter, r *http.Request) {
	shop, m, ok := s.managedShop(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	var job *catalog.ImportJob
	if v := r.URL.Query().Get("job"); v != "" {
		jid, err := id.Parse(v)
		if err != nil {
			s.fail(w, r, catalog.ErrImportNotFound)
			return
		}
		j, err := s.Catalog.Import(ctx, auth.From(ctx), jid)
		if err != nil || j.ShopID != shop.ID {
			s.fail(w, r, catalog.ErrImportNotFound)
			return
		}
		job = &j
	}
	s.render(w, r, "seller_import", shop.Name+" · bulk import", "seller", struct {
		ShopHeader
		Job     *catalog.ImportJob
		Columns []string
	}{header(shop, m, "/import"), job, catalog.ImportColumns})
}

func (s *Server) sellerImport(w http.ResponseWriter, r *http.Request) {
	shop, _, ok := s.managedShop(w, r)
	if !ok {
		return
	}
	back := "/seller/shops/" + shop.ID.String() + "/import"
	r.Body = http.MaxBytesReader(w, r.Body, maxImportBytes)
	f, _, err := r.FormFile("file")
	if err != nil {
		s.back(w, r, back, errs.Invalidf("file", "choose a CSV file of at most 8 MB"))
		return
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		s.back(w, r, back, errs.Invalidf("file", "the file could not be read"))
		return
	}
	job, err := s.Catalog.StartImport(r.Context(), auth.From(r.Context()), shop.ID, data)
	if err != nil {
		s.back(w, r, back, err)
		return
	}
	http.Redirect(w, r, back+"?job="+job.ID.String(), http.StatusSeeOther)
}

// sellerImportStatus answers the progress bar's polls with the job as JSON.
func (s *Server) sellerImportStatus(w http.ResponseWriter, r *http.Request) {
	jid, err := httpx.PathID(r, "id")
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	j, err := s.Catalog.Import(r.Context(), auth.From(r.Context()), jid)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, j)
}

// sellerAddImage uploads a picture for a product from the shop page.
func (s *Server) sellerAddImage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	pid, err := httpx.PathID(r, "id")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p, err := s.Catalog.Product(ctx, pid)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	back := "/seller/shops/" + p.ShopID.String()
	r.Body = http.MaxBytesReader(w, r.Body, catalog.MaxImageBytes+1<<16)
	f, _, err := r.FormFile("image")
	if err != nil {
		s.back(w, r, back, errs.Invalidf("image", "choose an image of at most 5 MB"))
		return
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err == nil {
		_, err = s.Catalog.AddImage(ctx, auth.From(ctx), pid, data)
	}
	if err != nil {
		s.back(w, r, back, err)
		return
	}
	done(w, r, back, "Image added to “"+p.Title+"”.")
}

package catalog

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/liveshop/liveshop/internal/platform/auth"
	"github.com/liveshop/liveshop/internal/platform/db"
	"github.com/liveshop/liveshop/internal/platform/errs"
	"github.com/liveshop/liveshop/internal/platform/id"
	"github.com/liveshop/liveshop/internal/platform/money"
)

// Bulk import: a CSV file of products, one SKU a row. Rows sharing a value in the
// optional "product" column become SKUs of one product (the first row's title,
// description and category). Each product goes through CreateProduct, so every rule
// (currency, category, prices, stock, listing cap) applies as it does for one product;
// a product that fails records an error for each of its rows, naming the row and the
// column, and the other products still import. Progress is kept on the job row so the
// page can show a bar while a large file runs in the background.

// ImportColumns are the columns a file may have; title and price are required.
var ImportColumns = []string{"product", "title", "description", "category", "seller_sku", "sku_name", "price", "stock", "attributes"}

// MaxImportRows bounds one file.
const MaxImportRows = 10000

// Import job states. A job whose worker died (the process stopped mid-file) is
// marked failed by RecoverImports once its heartbeat is stale: the products made
// before stay, and the job says from which row to upload again.
const (
	ImportRunning = "running"
	ImportDone    = "done"
	ImportFailed  = "failed"
)

// ImportHeartbeat is how often a running import records that it is alive (at most);
// a job silent for ImportStaleAfter is taken for dead.
const (
	ImportHeartbeat  = 200 * time.Millisecond
	ImportStaleAfter = time.Minute
)

// RowError is why one row of a file did not import.
type RowError struct {
	Row     int    `json:"row"` // 1-based, the header is row 1
	Column  string `json:"column,omitempty"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// ImportJob is one file's import and its progress.
type ImportJob struct {
	ID         id.ID      `json:"id"`
	ShopID     id.ID      `json:"shop_id"`
	Status     string     `json:"status"`
	Total      int        `json:"total"` // rows
	Done       int        `json:"done"`
	Imported   int        `json:"imported"` // products
	Failed     int        `json:"failed"`   // rows
	Errors     []RowError `json:"errors"`
	CreatedAt  time.Time  `json:"created_at"`
	FinishedAt time.Time  `json:"finished_at,omitzero"`
}

// Percent is how far the job is, 0-100.
func (j ImportJob) Percent() int {
	if j.Total == 0 {
		return 100
	}
	return j.Done * 100 / j.Total
}

// ErrImportNotFound: no such import job for this shop.
var ErrImportNotFound = errs.New(errs.NotFound, "import_not_found", "no such import")

type importRow struct {
	line   int
	fields map[string]string
}

// parseImport reads the file: a header naming known columns, then rows. A file that
// cannot be read at all (no header, unknown or missing columns, too many rows) is
// refused as a whole, naming the column or "file".
func parseImport(data []byte) ([]importRow, error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1 // a short row is that row's error, not the file's
	header, err := r.Read()
	if err != nil {
		return nil, errs.Invalidf("file", "the file needs a header row naming its columns (%s)", strings.Join(ImportColumns, ", "))
	}
	known := map[string]bool{}
	for _, c := range ImportColumns {
		known[c] = true
	}
	cols := make([]string, len(header))
	seen := map[string]bool{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if !known[h] {
			return nil, errs.Invalidf("file", "unknown column %q in the header; columns are %s", h, strings.Join(ImportColumns, ", "))
		}
		if seen[h] {
			return nil, errs.Invalidf("file", "column %q appears twice", h)
		}
		seen[h], cols[i] = true, h
	}
	for _, need := range []string{"title", "price"} {
		if !seen[need] {
			return nil, errs.Invalidf("file", "the header needs a %q column", need)
		}
	}
	var rows []importRow
	for line := 2; ; line++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		row := importRow{line: line, fields: map[string]string{}}
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				return nil, errs.Invalidf("file", "the file cannot be read: %v", err)
			}
			row.fields["_error"] = pe.Err.Error()
		}
		for i, v := range rec {
			if i < len(cols) {
				row.fields[cols[i]] = strings.TrimSpace(v)
			} else {
				row.fields["_error"] = fmt.Sprintf("%d values for %d columns", len(rec), len(cols))
			}
		}
		rows = append(rows, row)
		if len(rows) > MaxImportRows {
			return nil, errs.Invalidf("file", "a file has at most %d rows; split it", MaxImportRows)
		}
	}
	if len(rows) == 0 {
		return nil, errs.Invalidf("file", "the file has a header but no rows")
	}
	return rows, nil
}

// ImportCSV imports a file into a shop the actor manages and returns the finished job.
func (s *Service) ImportCSV(ctx context.Context, actor auth.Actor, shopID id.ID, data []byte) (ImportJob, error) {
	job, rows, err := s.startImport(ctx, actor, shopID, data)
	if err != nil {
		return ImportJob{}, err
	}
	return s.runImport(ctx, actor, job, rows)
}

// StartImport checks the file and the shop, records the job and imports in the
// background; follow it with Import. Errors about the file as a whole come back at once.
func (s *Service) StartImport(ctx context.Context, actor auth.Actor, shopID id.ID, data []byte) (ImportJob, error) {
	job, rows, err := s.startImport(ctx, actor, shopID, data)
	if err != nil {
		return ImportJob{}, err
	}
	go func() {
		if _, err := s.runImport(context.WithoutCancel(ctx), actor, job, rows); err != nil {
			s.log.Error("catalog import", "job", job.ID, "err", err)
		}
	}()
	return job, nil
}

func (s *Service) startImport(ctx context.Context, actor auth.Actor, shopID id.ID, data []byte) (ImportJob, []importRow, error) {
	shop, err := s.sellers.ManageForSale(ctx, actor, shopID)
	if err != nil {
		return ImportJob{}, nil, err
	}
	rows, err := parseImport(data)
	if err != nil {
		return ImportJob{}, nil, err
	}
	now := s.now().UTC()
	job := ImportJob{ID: id.New(), ShopID: shop.ID, Status: ImportRunning, Total: len(rows), Errors: []RowError{}, CreatedAt: now}
	if _, err := s.db.ExecContext(ctx, `INSERT INTO import_jobs (id, shop_id, actor_id, status, total, created_at, heartbeat_at) VALUES ($1, $2, $3, $4, $5, $6, $6)`,
		job.ID, shop.ID, actor.AccountID, job.Status, job.Total, db.Micros(now)); err != nil {
		return ImportJob{}, nil, fmt.Errorf("catalog: record import: %w", err)
	}
	return job, rows, nil
}

// importGroup is the rows of one product.
type importGroup struct {
	rows []importRow
}

func (s *Service) runImport(ctx context.Context, actor auth.Actor, job ImportJob, rows []importRow) (ImportJob, error) {
	shop, err := s.sellers.Shop(ctx, job.ShopID)
	if err != nil {
		return job, err
	}
	m, err := s.markets.Market(ctx, shop.Market)
	if err != nil {
		return job, err
	}
	var groups []*importGroup
	byKey := map[string]*importGroup{}
	for _, r := range rows {
		key := r.fields["product"]
		if g, ok := byKey[key]; ok && key != "" {
			g.rows = append(g.rows, r)
			continue
		}
		g := &importGroup{rows: []importRow{r}}
		groups = append(groups, g)
		if key != "" {
			byKey[key] = g
		}
	}
	fail := func(rs []importRow, column, code, msg string) {
		for _, r := range rs {
			job.Errors = append(job.Errors, RowError{Row: r.line, Column: column, Code: code, Message: msg})
			job.Failed++
		}
	}
	lastSave := time.Now()
	for _, g := range groups {
		in, rowErr := importInput(g, m.Currency)
		if rowErr != nil {
			fail([]importRow{rowErr.row}, rowErr.column, rowErr.code, rowErr.msg)
			if len(g.rows) > 1 {
				others := make([]importRow, 0, len(g.rows)-1)
				for _, r := range g.rows {
					if r.line != rowErr.row.line {
						others = append(others, r)
					}
				}
				fail(others, "product", "product_row_failed", fmt.Sprintf("another row of this product (row %d) failed", rowErr.row.line))
			}
		} else if _, err := s.CreateProduct(ctx, actor, job.ShopID, in); err != nil {
			e := errs.As(err)
			if e == nil || e.Kind == errs.Internal {
				return job, err
			}
			// Map the input's field (skus[1].price.amount) to the row and column.
			r, col := g.rows[0], importColumn(e.Field)
			if i, ok := skuIndex(e.Field); ok && i < len(g.rows) {
				r = g.rows[i]
			}
			fail([]importRow{r}, col, e.Code, e.Message)
			for _, o := range g.rows {
				if o.line != r.line {
					fail([]importRow{o}, "product", "product_row_failed", fmt.Sprintf("another row of this product (row %d) failed", r.line))
				}
			}
		} else {
			job.Imported++
		}
		job.Done += len(g.rows)
		if time.Since(lastSave) > ImportHeartbeat {
			lastSave = time.Now()
			if err := s.saveImport(ctx, job); err != nil {
				return job, err
			}
		}
	}
	job.Status, job.FinishedAt = ImportDone, s.now().UTC()
	return job, s.saveImport(ctx, job)
}

type rowProblem struct {
	row               importRow
	column, code, msg string
}

// importInput turns a group of rows into a product input, or says which row and
// column cannot be read.
func importInput(g *importGroup, currency string) (ProductInput, *rowProblem) {
	first := g.rows[0].fields
	in := ProductInput{Title: first["title"], Description: first["description"], Category: first["category"]}
	// attributes: "material=silk; origin=Thailand"
	if a := first["attributes"]; a != "" {
		in.Attributes = map[string]string{}
		for _, pair := range strings.Split(a, ";") {
			if strings.TrimSpace(pair) == "" {
				continue
			}
			name, v, ok := strings.Cut(pair, "=")
			if !ok {
				return in, &rowProblem{g.rows[0], "attributes", "invalid_field", fmt.Sprintf("attribute %q is not name=value", strings.TrimSpace(pair))}
			}
			in.Attributes[strings.TrimSpace(name)] = strings.TrimSpace(v)
		}
	}
	for _, r := range g.rows {
		if msg, bad := r.fields["_error"]; bad {
			return in, &rowProblem{r, "", "bad_row", "this row cannot be read: " + msg}
		}
		price, err := money.Parse(r.fields["price"], currency)
		if err != nil {
			return in, &rowProblem{r, "price", "invalid_field", fmt.Sprintf("price %q is not an amount in %s (like 12.99)", r.fields["price"], currency)}
		}
		var stock int64
		if v := r.fields["stock"]; v != "" {
			if stock, err = strconv.ParseInt(v, 10, 64); err != nil {
				return in, &rowProblem{r, "stock", "invalid_field", fmt.Sprintf("stock %q is not a whole number", v)}
			}
		}
		in.SKUs = append(in.SKUs, SKUInput{SellerSKU: r.fields["seller_sku"], Name: r.fields["sku_name"], Price: price, Stock: stock})
	}
	return in, nil
}

// importColumn maps a ProductInput field path to the CSV column.
func importColumn(field string) string {
	switch {
	case field == "":
		return ""
	case strings.HasSuffix(field, ".price.amount"), strings.HasSuffix(field, ".price.currency"):
		return "price"
	case strings.HasSuffix(field, ".stock"):
		return "stock"
	case strings.HasSuffix(field, ".seller_sku"):
		return "seller_sku"
	case strings.HasSuffix(field, ".name"):
		return "sku_name"
	case field == "shop_id":
		return ""
	}
	return field
}

func skuIndex(field string) (int, bool) {
	rest, ok := strings.CutPrefix(field, "skus[")
	if !ok {
		return 0, false
	}
	n, _, ok := strings.Cut(rest, "]")
	if !ok {
		return 0, false
	}
	i, err := strconv.Atoi(n)
	return i, err == nil
}

func (s *Service) saveImport(ctx context.Context, job ImportJob) error {
	b, err := json.Marshal(job.Errors)
	if err != nil {
		return err
	}
	// A job recovery already failed is not brought back to life by a late worker.
	_, err = s.db.ExecContext(ctx, `UPDATE import_jobs SET status = $1, done = $2, imported = $3, failed = $4, errors = $5, finished_at = $6, heartbeat_at = $7
		WHERE id = $8 AND status = 'running'`,
		job.Status, job.Done, job.Imported, job.Failed, string(b), db.Micros(job.FinishedAt), db.Micros(s.now()), job.ID)
	return err
}

// RecoverImports marks failed every running import whose heartbeat is older than
// staleAfter at now (its worker died with the process), with an error saying how far
// it got, and returns how many. The app runs it at start and every minute.
func (s *Service) RecoverImports(ctx context.Context, now time.Time, staleAfter time.Duration) (int, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, total, done, errors FROM import_jobs WHERE status = 'running' AND heartbeat_at < $1 ORDER BY id LIMIT 100`,
		db.Micros(now.Add(-staleAfter)))
	if err != nil {
		return 0, err
	}
	type stuck struct {
		id          id.ID
		total, done int
		errs        []RowError
	}
	var jobs []stuck
	for rows.Next() {
		var j stuck
		var e string
		if err := rows.Scan(&j.id, &j.total, &j.done, &e); err != nil {
			rows.Close()
			return 0, err
		}
		if json.Unmarshal([]byte(e), &j.errs) != nil {
			j.errs = nil
		}
		jobs = append(jobs, j)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	n := 0
	for _, j := range jobs {
		j.errs = append(j.errs, RowError{Row: j.done + 2, Code: "import_interrupted", Message: fmt.Sprintf(
			"the import stopped after %d of %d rows when the server went down; the products of the rows before are in your catalogue: upload the remaining rows again", j.done, j.total)})
		b, err := json.Marshal(j.errs)
		if err != nil {
			return n, err
		}
		res, err := s.db.ExecContext(ctx, `UPDATE import_jobs SET status = 'failed', errors = $1, failed = failed + $2, finished_at = $3 WHERE id = $4 AND status = 'running'`,
			string(b), j.total-j.done, db.Micros(now), j.id)
		if err != nil {
			return n, err
		}
		if k, _ := res.RowsAffected(); k == 1 {
			n++
			s.log.Warn("catalog import failed: worker gone", "job", j.id, "done", j.done, "total", j.total)
		}
	}
	return n, nil
}

// RunRecovery recovers stuck imports now and every interval until ctx ends.
func (s *Service) RunRecovery(ctx context.Context, every time.Duration) {
	for {
		if _, err := s.RecoverImports(ctx, s.now(), ImportStaleAfter); err != nil && ctx.Err() == nil {
			s.log.Error("catalog import recovery", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(every):
		}
	}
}

// Import returns an import job of a shop the actor manages.
func (s *Service) Import(ctx context.Context, actor auth.Actor, jobID id.ID) (ImportJob, error) {
	var j ImportJob
	var errJSON string
	var created, finished int64
	err := s.db.QueryRowContext(ctx, `SELECT id, shop_id, status, total, done, imported, failed, errors, created_at, finished_at FROM import_jobs WHERE id = $1`, jobID).
		Scan(&j.ID, &j.ShopID, &j.Status, &j.Total, &j.Done, &j.Imported, &j.Failed, &errJSON, &created, &finished)
	if errors.Is(err, sql.ErrNoRows) {
		return ImportJob{}, ErrImportNotFound
	}
	if err != nil {
		return ImportJob{}, err
	}
	if _, err := s.sellers.Manage(ctx, actor, j.ShopID); err != nil {
		return ImportJob{}, err
	}
	j.CreatedAt, j.FinishedAt = db.Time(created), db.Time(finished)
	if err := json.Unmarshal([]byte(errJSON), &j.Errors); err != nil {
		return ImportJob{}, err
	}
	return j, nil
}

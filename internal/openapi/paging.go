package openapi

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/liveshop/liveshop/internal/platform/id"
)

// Page tokens are opaque to clients, as TikTok's are: the sort key and id of the last
// item of the previous page, base64url-encoded.

func encodeToken(key int64, last id.ID) string {
	return base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf("%d.%d", key, last)))
}

func decodeToken(tok string) (int64, id.ID, error) {
	bad := fail(http.StatusBadRequest, CodeInvalidParam, "page_token: not a token from a previous page")
	raw, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return 0, 0, bad
	}
	k, v, ok := strings.Cut(string(raw), ".")
	if !ok {
		return 0, 0, bad
	}
	key, err1 := strconv.ParseInt(k, 10, 64)
	last, err2 := strconv.ParseInt(v, 10, 64)
	if err1 != nil || err2 != nil || last <= 0 {
		return 0, 0, bad
	}
	return key, id.ID(last), nil
}

// pageSize reads the required page_size query parameter, 1 to max.
func pageSize(c *call, max int) (int, error) {
	v := c.query.Get("page_size")
	if v == "" {
		return 0, invalid("page_size", "required (1-%d)", max)
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > max {
		return 0, invalid("page_size", "must be a whole number from 1 to %d, not %q", max, v)
	}
	return n, nil
}

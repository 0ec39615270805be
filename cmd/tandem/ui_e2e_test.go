package main_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// The browser tests drive the web UI served by the real binary with the machine's Chromium
// (.ci/run installs chromium and fonts-noto-cjk with apt). Each screen is photographed at both
// sizes into screenshots/ (git ignores it; TANDEM_SCREENSHOTS moves it), checked for English
// words a user would read and for anything wider than the phone.

// viewport is one of the two sizes the UI must be usable at.
type viewport struct {
	name          string
	width, height int64
	phone         bool
}

var (
	desktop = viewport{"desktop", 1366, 768, false}
	phone   = viewport{"phone", 390, 844, true}
)

// chromiumPath finds the browser: TANDEM_CHROMIUM, or chromium on PATH.
func chromiumPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("TANDEM_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("no Chromium: apt-get install chromium fonts-noto-cjk (.ci/run does), or set TANDEM_CHROMIUM")
	return ""
}

// browser is one tab of a headless Chromium at one viewport, on one tandem process.
type browser struct {
	t    *testing.T
	ctx  context.Context
	base string
	vp   viewport
}

// newBrowser starts a headless Chromium (its own profile, so its own localStorage) showing
// base at vp, in Chinese and on Shanghai time.
func newBrowser(t *testing.T, base string, vp viewport) *browser {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath(t)), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(int(vp.width), int(vp.height)),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("lang", "zh-CN"), chromedp.Flag("no-first-run", true),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	b := &browser{t: t, ctx: ctx, base: base, vp: vp}
	// The first Run starts the browser, which lives as long as that call's context: no timeout.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	vopts := []chromedp.EmulateViewportOption{chromedp.EmulatePortrait}
	if vp.phone {
		vopts = append(vopts, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulateScale(3))
	}
	b.do(chromedp.EmulateViewport(vp.width, vp.height, vopts...),
		chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			if _, err := chromedp.Call(ctx, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: "Asia/Shanghai"}); err != nil {
				return err
			}
			_, err := chromedp.Call(ctx, emulation.SetLocaleOverride, emulation.SetLocaleOverrideParams{Locale: "zh_CN"})
			return err
		}))
	return b
}

// do runs steps with a time limit; a failure photographs the page and stops the test.
func (b *browser) do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.shot("failure")
		b.t.Fatalf("browser (%s): %v", b.vp.name, err)
	}
}

// eval evaluates a JavaScript expression and returns its value.
func eval[T any](b *browser, expr string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("browser (%s) eval %q: %v", b.vp.name, expr, err)
	}
	return v
}

// open navigates to path (under the tandem process) and waits for sel to be visible.
func (b *browser) open(path, sel string) {
	b.t.Helper()
	b.do(chromedp.Navigate(b.base+path), chromedp.WaitVisible(sel))
}

// login signs in through the login page and waits for the inbox.
func (b *browser) login(user, password string) {
	b.t.Helper()
	b.open("/login", `input[name=username]`)
	b.do(chromedp.SendKeys(`input[name=username]`, user), chromedp.SendKeys(`input[name=password]`, password),
		chromedp.Click(`button[type=submit]`), chromedp.WaitVisible(`[data-test=inbox]`))
}

// text is what the user reads on the page now.
func (b *browser) text() string { return eval[string](b, `document.body.innerText`) }

// waitText waits until the page's text contains want.
func (b *browser) waitText(want string) {
	b.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if strings.Contains(b.text(), want) {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	b.shot("failure")
	b.t.Fatalf("browser (%s): the page never said %q; it says:\n%s", b.vp.name, want, b.text())
}

// shot writes a full-page screenshot as screenshots/<test>/<viewport>-<name>.png.
func (b *browser) shot(name string) {
	dir := os.Getenv("TANDEM_SCREENSHOTS")
	if dir == "" {
		dir = filepath.Join("..", "..", "screenshots")
	}
	dir = filepath.Join(dir, strings.ReplaceAll(b.t.Name(), "/", "-"))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.t.Logf("screenshot: %v", err)
		return
	}
	ctx, cancel := context.WithTimeout(b.ctx, 15*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // quality 100: PNG
	if err != nil {
		b.t.Logf("screenshot %s: %v", name, err)
		return
	}
	file := filepath.Join(dir, fmt.Sprintf("%s-%s.png", b.vp.name, name))
	if err := os.WriteFile(file, png, 0o644); err != nil {
		b.t.Logf("screenshot: %v", err)
	}
}

// englishWord is a run of Latin letters a user would have to read as English.
var englishWord = regexp.MustCompile(`[A-Za-z]{3,}`)

// idLike is a run that may be an identifier: hex digits and dashes, 8 or more.
var idLike = regexp.MustCompile(`[0-9a-fA-F][0-9a-fA-F-]{7,}`)

// check photographs the screen and fails if it shows English words (beyond allowed ones, such
// as the user names and codes the test put in) or is wider than its viewport.
func (b *browser) check(name string, allowed ...string) {
	b.t.Helper()
	b.shot(name)
	text := b.text()
	for _, a := range allowed {
		text = strings.ReplaceAll(text, a, "")
	}
	// Identifiers (UUIDs, hashes) are not words: hex runs of 8 or more with a digit in them.
	text = idLike.ReplaceAllStringFunc(text, func(m string) string {
		if strings.ContainsAny(m, "0123456789") {
			return ""
		}
		return m
	})
	if words := englishWord.FindAllString(text, -1); len(words) > 0 {
		b.t.Errorf("screen %s (%s) shows English: %v", name, b.vp.name, words)
	}
	if w := eval[[]int](b, `[document.documentElement.scrollWidth, window.innerWidth]`); w[0] > w[1] {
		b.t.Errorf("screen %s (%s) is %d px wide in a %d px viewport", name, b.vp.name, w[0], w[1])
	}
}

// TestUILogin: the login page in Chinese at both sizes; a wrong password is refused on the
// page; the right one opens the inbox, which a reload keeps; a token the server no longer
// accepts returns to the login page with a message; an unknown page says 未找到.
func TestUILogin(t *testing.T) {
	dev := startDev(t, t.TempDir(), "")
	for _, vp := range []viewport{desktop, phone} {
		t.Run(vp.name, func(t *testing.T) {
			b := newBrowser(t, dev.base, vp)
			b.open("/inbox", `input[name=username]`) // not logged in: the login page
			b.check("login")
			b.do(chromedp.SendKeys(`input[name=username]`, "admin"), chromedp.SendKeys(`input[name=password]`, "wrong-password"),
				chromedp.Click(`button[type=submit]`))
			b.waitText("用户名或密码错误")
			b.check("login-refused", "admin")

			b.login("admin", adminPassword)
			b.waitText("我的待办")
			b.check("inbox", "admin")
			b.open("/inbox", `[data-test=inbox]`) // a reload keeps the session
			b.open("/no/such/page", `.el-result`)
			b.waitText("未找到")
			b.check("notfound", "admin")

			// The server forgets the token (as on expiry or revocation): back to login, with why.
			eval[any](b, `(() => { const s = JSON.parse(localStorage.getItem('tandem.session')); s.token = 'expired-token'; localStorage.setItem('tandem.session', JSON.stringify(s)); return null })()`)
			b.open("/inbox", `input[name=username]`)
			b.waitText("登录已过期")
		})
	}
}

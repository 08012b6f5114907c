package chainmail

import (
	"slices"
	"strings"
	"testing"
	"unicode"
)

// scriptLetters are chain letters in scripts textnorm does not read well,
// two different letters per script.
var scriptLetters = map[string][2]string{
	"urdu": {
		`یہ پیغام مدینہ شریف سے آیا ہے۔ ایک بزرگ نے خواب میں دیکھا کہ جو شخص یہ پیغام ۱۰ لوگوں کو بھیجے گا اسے ۱۰ دن میں
خوشخبری ملے گی۔ ایک آدمی نے یہ پیغام آگے نہیں بھیجا اور اس کا کاروبار تباہ ہو گیا۔ ایک عورت نے ۲۰ لوگوں کو بھیجا اور
اس کا بیٹا صحت یاب ہو گیا۔ یہ مذاق نہیں ہے۔ اس پیغام کو مت روکیں۔`,
		`کل سے آپ کی ساری پوسٹیں اور تصویریں پبلک ہو جائیں گی، ڈیلیٹ کی ہوئی بھی۔ اس پر کوئی خرچ نہیں، بس کاپی پیسٹ کریں۔
شیئر مت کریں، کاپی کر کے اپنی وال پر لگائیں۔ آج رات ۱۲ بجے سے پہلے کریں ورنہ دیر ہو جائے گی اور آپ کی تصویریں سب دیکھیں گے۔`,
	},
	"gurmukhi": {
		`ਇਹ ਸੁਨੇਹਾ ਸ੍ਰੀ ਹਰਿਮੰਦਰ ਸਾਹਿਬ ਤੋਂ ਆਇਆ ਹੈ। ਜੋ ਇਸ ਨੂੰ 11 ਲੋਕਾਂ ਨੂੰ ਭੇਜੇਗਾ ਉਸ ਨੂੰ 5 ਦਿਨਾਂ ਵਿੱਚ ਖੁਸ਼ਖਬਰੀ ਮਿਲੇਗੀ। ਇੱਕ ਬੰਦੇ
ਨੇ ਇਹ ਅੱਗੇ ਨਹੀਂ ਭੇਜਿਆ ਅਤੇ ਉਸ ਦਾ ਕਾਰੋਬਾਰ ਬਰਬਾਦ ਹੋ ਗਿਆ। ਇਹ ਮਜ਼ਾਕ ਨਹੀਂ ਹੈ। ਇਸ ਨੂੰ ਰੋਕੋ ਨਾ, ਅੱਗੇ ਭੇਜੋ।`,
		`ਕੱਲ੍ਹ ਤੋਂ ਵਟਸਐਪ ਤੇ ਹਰ ਮੈਸੇਜ ਦੇ ਪੈਸੇ ਲੱਗਣਗੇ। ਜੇ ਤੁਸੀਂ ਇਹ ਮੈਸੇਜ ਰਾਤ 12 ਵਜੇ ਤੋਂ ਪਹਿਲਾਂ ਆਪਣੇ ਸਾਰੇ ਸੰਪਰਕਾਂ ਨੂੰ ਭੇਜ ਦਿਓ ਤਾਂ
ਤੁਹਾਡਾ ਲੋਗੋ ਨੀਲਾ ਹੋ ਜਾਵੇਗਾ ਅਤੇ ਖਾਤਾ ਮੁਫ਼ਤ ਰਹੇਗਾ। ਜੇ ਨਹੀਂ ਭੇਜਿਆ ਤਾਂ 48 ਘੰਟਿਆਂ ਵਿੱਚ ਤੁਹਾਡਾ ਖਾਤਾ ਬੰਦ ਹੋ ਜਾਵੇਗਾ।`,
	},
	"bengali": {
		`এই বার্তাটি মদিনা থেকে এসেছে। যে এটি ১০ জনকে পাঠাবে সে ৪ দিনের মধ্যে সুখবর পাবে। এক লোক এটি পাঠায়নি, তার
ব্যবসা ধ্বংস হয়ে গেছে। এটা মজা নয়। বার্তাটি আটকে রাখবেন না, সবাইকে পাঠিয়ে দিন। আল্লাহ আপনার মঙ্গল করুন।`,
		`আগামীকাল থেকে হোয়াটসঅ্যাপে প্রতিটি মেসেজের জন্য টাকা লাগবে। রাত ১২টার আগে এই মেসেজটি আপনার সব কন্টাক্টকে
পাঠান, তাহলে আপনার লোগো নীল হয়ে যাবে। না পাঠালে ৪৮ ঘণ্টার মধ্যে আপনার অ্যাকাউন্ট বন্ধ হয়ে যাবে। সবাইকে জানান।`,
	},
	"chinese": {
		`这是真的，请不要删除。把这条信息转发给十个朋友，四天之内你会有好运。有一个人没有转发，第二天就丢了工作。
另一个人转发了，一个星期后中了彩票。不要让这个链条断掉，马上转发给你爱的人。`,
		`紧急通知：明天开始微信要收费了，每条信息收一毛钱。如果你在午夜之前把这条信息发给所有联系人，你的账号就会变成蓝色，
永远免费。不转发的话四十八小时后账号会被删除。请大家互相转告。`,
	},
}

// TestFingerprintScripts: the spread fingerprint works on any language. A
// letter in Urdu, Gurmukhi, Bengali or Chinese gets a fingerprint (textnorm
// alone reads a Chinese letter as a handful of words: none), keeps it
// through forwarding, quoting and rewrapping, keeps a key through a small
// edit, and shares none with a different letter in the same script.
func TestFingerprintScripts(t *testing.T) {
	for name, ls := range scriptLetters {
		a, b := ls[0], ls[1]
		want := Fingerprints(plain(a))
		if len(want) != Keys {
			t.Errorf("%s: %d keys (%d words), want %d", name, len(want), len(bodyWords(plain(a))), Keys)
			continue
		}
		for vname, v := range map[string]string{
			"gmail forward": "---------- Forwarded message ---------\nFrom: Ann <ann@example.org>\nDate: Tue, 2 May 2026\nSubject: Fwd: x\nTo: <b@example.org>\n\n" + a,
			"quoted":        "On Wed, 3 May 2026, Eve wrote:\n" + quote(a, "> "),
			"rewrapped":     strings.Join(strings.Fields(a), "\n"),
			"signature":     a + "\n\n--\nSent from my iPhone",
		} {
			if got := Fingerprints(plain(v)); !slices.Equal(got, want) {
				t.Errorf("%s %s: keys differ", name, vname)
			}
		}
		// One letter changed (one word, or one character of Chinese):
		// still a key in common.
		rs := []rune(a)
		i := len(rs) / 2
		for !unicode.IsLetter(rs[i]) {
			i++
		}
		rs[i] = 'x'
		if !shareKey(Fingerprints(plain(string(rs))), want) {
			t.Errorf("%s: one letter changed shares no key", name)
		}
		if shareKey(Fingerprints(plain(b)), want) {
			t.Errorf("%s: two different letters share a key", name)
		}
	}
}

func shareKey(a, b []string) bool {
	for _, k := range a {
		if slices.Contains(b, k) {
			return true
		}
	}
	return false
}

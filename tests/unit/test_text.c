/* Unit tests for domain/text: folding names for search, e-mail and phone checks, phone
 * search keys and chart numbers. */
#include "unit.h"

#include "domain/text.h"
#include "util/xalloc.h"

static void fold(void **state)
{
	(void)state;
	/* clang-format off */
	static const struct {
		const char *in, *out;
	} rows[] = {
		{"Smith", "smith"},
		{"ANNA-MARIA O'NEIL", "anna-maria oneil"},
		{"O’Brien", "obrien"},			/* typographic apostrophe */
		{"Müller", "muller"},
		{"MÜLLER", "muller"},
		{"Mu\xCC\x88ller", "muller"},		/* u + combining diaeresis */
		{"ÄRZTE", "arzte"},
		{"ÉLODIE", "elodie"},
		{"Straße", "strasse"},
		{"STRAẞE", "strasse"},			/* capital sharp s */
		{"Иванова", "иванова"},
		{"ИВАНОВА", "иванова"},
		{"Ёлкина", "елкина"},			/* Cyrillic marks go too */
		{"ΑΘΗΝΑ ΠΑΠΑΔΟΠΟΥΛΟΥ", "αθηνα παπαδοπουλου"},
		{"Σοφία", "σοφια"},
		{"李小龙", "李小龙"},
		{"ﬁnn", "finn"},			/* compatibility ligature */
		{"  Anna   Maria \t Smith  ", "anna maria smith"},
		{"\tAnna\r\nSmith\n", "anna smith"},
		{"Anna\xC2\xA0Smith", "anna smith"}, /* no-break space */
		{"", ""},
		{"   ", ""},
		{"a", "a"},
		{"\xF0\x9F\x98\x80", "\xF0\x9F\x98\x80"}, /* four-byte sequence */
	};
	/* clang-format on */
	int bad = 0;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		char out[128];
		memset(out, 'x', sizeof out);
		bool ok = text_fold(rows[i].in, out, sizeof out);
		row_check(&bad, ok && strcmp(out, rows[i].out) == 0,
			  "row %zu: \"%s\" -> \"%s\" (%d)", i, rows[i].in, out, ok);
	}
	assert_int_equal(bad, 0);
}

/* Names from the Latin scripts as a clinic's records hold them, and how the desk types
 * them: every row folds to the same key both ways. */
static void fold_latin_names(void **state)
{
	(void)state;
	/* clang-format off */
	static const struct {
		const char *lang, *name, *typed, *key;
	} rows[] = {
		{"German", "Müller", "muller", "muller"},
		{"German", "Jürgen Größe", "jurgen grosse", "jurgen grosse"},
		{"German", "Schäfer-Böhm", "SCHAFER-BOHM", "schafer-bohm"},
		{"German", "Weiß", "weiss", "weiss"},
		{"French", "Élise Lefèvre", "elise lefevre", "elise lefevre"},
		{"French", "François Nöël", "francois noel", "francois noel"},
		{"French", "Cœur", "coeur", "coeur"},
		{"French", "D'Artagnan", "dartagnan", "dartagnan"},
		{"Spanish", "García", "garcia", "garcia"},
		{"Spanish", "Muñoz Ibáñez", "munoz ibanez", "munoz ibanez"},
		{"Spanish", "de la Cruz", "De La Cruz", "de la cruz"},
		{"Portuguese", "João Conceição", "joao conceicao", "joao conceicao"},
		{"Portuguese", "Gonçalves Simões", "goncalves simoes", "goncalves simoes"},
		{"Polish", "Łukasz Wałęsa", "lukasz walesa", "lukasz walesa"},
		{"Polish", "Zoś Żółć", "zos zolc", "zos zolc"},
		{"Polish", "Małgorzata Dąbrowska", "malgorzata dabrowska", "malgorzata dabrowska"},
		{"Czech", "Dvořák", "dvorak", "dvorak"},
		{"Czech", "Jiří Škoda", "jiri skoda", "jiri skoda"},
		{"Czech", "Růžička", "ruzicka", "ruzicka"},
		{"Slovak", "Ľubomír Ďurček", "lubomir durcek", "lubomir durcek"},
		{"Croatian", "Đurđević", "durdevic", "durdevic"},
		{"Turkish", "Işıl Yılmaz", "isil yilmaz", "isil yilmaz"},
		{"Turkish", "İsmail Öztürk", "ismail ozturk", "ismail ozturk"},
		{"Turkish", "Çağlar Güneş", "caglar gunes", "caglar gunes"},
		{"Danish", "Søren Kierkegaard", "soren kierkegaard", "soren kierkegaard"},
		{"Danish", "Ærø Æbelø", "aero aebelo", "aero aebelo"},
		{"Norwegian", "Bjørn Dæhlie", "bjorn daehlie", "bjorn daehlie"},
		{"Swedish", "Åsa Öberg", "asa oberg", "asa oberg"},
		{"Finnish", "Hämäläinen", "hamalainen", "hamalainen"},
		{"Icelandic", "Þóra Guðmundsdóttir", "thora gudmundsdottir", "thora gudmundsdottir"},
		{"Vietnamese", "Nguyễn Thị Hồng", "nguyen thi hong", "nguyen thi hong"},
		{"Vietnamese", "Trần Đức Thắng", "tran duc thang", "tran duc thang"},
		{"Vietnamese", "Phạm Quỳnh", "pham quynh", "pham quynh"},
		{"Dutch", "van Dijk", "Van Dijk", "van dijk"},
		{"Dutch", "de Vries", "DE VRIES", "de vries"},
		{"Dutch", "van 't Hof", "van t hof", "van t hof"},
		{"Romanian", "Ștefan Țărănescu", "stefan taranescu", "stefan taranescu"},
		{"Hungarian", "Erdős Lőrinc", "erdos lorinc", "erdos lorinc"},
		{"Latvian", "Jānis Bērziņš", "janis berzins", "janis berzins"},
		{"Lithuanian", "Žemaitė Čiurlionis", "zemaite ciurlionis", "zemaite ciurlionis"},
		{"Maltese", "Ħamrun Żebbuġ", "hamrun zebbug", "hamrun zebbug"},
		{"Welsh", "Siân Llŷr", "sian llyr", "sian llyr"},
		{"Irish", "Seán Ó Súilleabháin", "sean o suilleabhain", "sean o suilleabhain"},
		{"Catalan", "Lluís Puigcerdà", "lluis puigcerda", "lluis puigcerda"},
		{"Catalan", "Paral·lel", "paral·lel", "paral·lel"},
		{"Azerbaijani", "Əliyev", "eliyev", "eliyev"},
		{"Esperanto", "Ĉeĥoslovakio", "cehoslovakio", "cehoslovakio"},
	};
	/* clang-format on */
	int bad = 0;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		char a[128], b[128];
		bool ok =
		    text_fold(rows[i].name, a, sizeof a) && text_fold(rows[i].typed, b, sizeof b);
		row_check(&bad, ok && strcmp(a, rows[i].key) == 0 && strcmp(b, rows[i].key) == 0,
			  "%s \"%s\" -> \"%s\", typed \"%s\" -> \"%s\", want \"%s\"", rows[i].lang,
			  rows[i].name, a, rows[i].typed, b, rows[i].key);
	}
	assert_int_equal(bad, 0);
}

static void split_words(void **state)
{
	(void)state;
	/* clang-format off */
	static const struct {
		const char *in;
		size_t n;
		const char *words[4];
	} rows[] = {
		{"van dijk", 2, {"van", "dijk"}},
		{"muller-ludenscheidt", 2, {"muller", "ludenscheidt"}},
		{"de la cruz", 3, {"de", "la", "cruz"}},
		{"st. john", 2, {"st", "john"}},
		{"a - b", 2, {"a", "b"}},
		{"one", 1, {"one"}},
		{"", 0, {NULL}},
		{"--", 0, {NULL}},
		{"a b c d e", 5, {"a", "b", "c", "d"}}, /* four kept */
	};
	/* clang-format on */
	int bad = 0;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		char buf[64];
		char *w[4];
		snprintf(buf, sizeof buf, "%s", rows[i].in);
		size_t n = text_split_words(buf, w, 4);
		row_check(&bad, n == rows[i].n, "row %zu: %zu words", i, n);
		for (size_t k = 0; k < n && k < 4; k++)
			row_check(&bad, strcmp(w[k], rows[i].words[k]) == 0,
				  "row %zu: word %zu \"%s\"", i, k, w[k]);
	}
	assert_int_equal(bad, 0);
}

/* The index of key in k's keys of kind, or -1. */
static int key_at(const struct text_keys *k, enum text_key_kind kind, const char *key)
{
	for (size_t i = 0; i < k->n; i++)
		if (k->kind[i] == kind && strcmp(k->key[i], key) == 0)
			return (int)i;
	return -1;
}

static void patient_keys(void **state)
{
	(void)state;
	struct text_keys k;
	assert_true(text_patient_keys("mary ann", "van dijk", "171912345", &k));
	/* m ma mar mary, a an ann, v va van, d di dij dijk; 9 - 3 + 1 phone tails. */
	assert_int_equal(k.n, 14 + 7);
	static const char *const starts[] = {"m", "mar", "mary", "a", "ann", "van", "d", "dijk"};
	for (size_t i = 0; i < sizeof starts / sizeof starts[0]; i++)
		assert_true(key_at(&k, TEXT_KEY_PREFIX, starts[i]) >= 0);
	assert_int_equal(key_at(&k, TEXT_KEY_PREFIX, "marya"), -1);
	assert_int_equal(k.kind[14], TEXT_KEY_PHONE);
	assert_string_equal(k.key[14], "171912345");
	assert_string_equal(k.key[20], "345");
	assert_true(text_patient_keys("jo", "li", NULL, &k));
	assert_int_equal(k.n, 4);
	assert_true(text_patient_keys("jo", "li", "12", &k)); /* too short for a tail */
	assert_int_equal(k.n, 4);
	char big[2700];
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	assert_false(text_patient_keys(big, "li", NULL, &k));
	assert_int_equal(k.n, 0);
}

/* Prefixes: up to six characters of each word, each once per patient however many words
 * share it, never half a character. */
static void patient_prefix_keys(void **state)
{
	(void)state;
	struct text_keys k;
	/* maria, martinez, marquez: m ma mar once; mari maria, mart marti martin, marq
	 * marqu marque. A word twice in one name adds nothing. */
	assert_true(text_patient_keys("maria maria", "martinez marquez", NULL, &k));
	assert_int_equal(k.n, 3 + 2 + 3 + 3);
	assert_true(key_at(&k, TEXT_KEY_PREFIX, "martin") >= 0);
	assert_int_equal(key_at(&k, TEXT_KEY_PREFIX, "martine"), -1);
	/* The same word in both names: its prefixes once. */
	assert_true(text_patient_keys("anna", "anna", "171912", &k));
	assert_int_equal(k.n, 4 + 4);
	/* Cyrillic: characters, not bytes. */
	assert_true(text_patient_keys("ольга", "иванова", NULL, &k));
	assert_int_equal(k.n, 5 + 6);
	assert_true(key_at(&k, TEXT_KEY_PREFIX, "ивано") >= 0);
	assert_true(key_at(&k, TEXT_KEY_PREFIX, "иванов") >= 0);
	assert_int_equal(key_at(&k, TEXT_KEY_PREFIX, "иванова"), -1);
	for (size_t i = 0; i < k.n; i++)
		assert_true(text_fold(k.key[i], (char[64]){0}, 64)); /* valid UTF-8 */
	/* The look-up key of a typed prefix, and the check of a longer one. */
	char key[4 * TEXT_PREFIX_CHARS + 1];
	assert_true(text_prefix_key("mart", key, sizeof key));
	assert_string_equal(key, "mart");
	assert_true(text_prefix_key("иванов", key, sizeof key));
	assert_false(text_prefix_key("ивановa", key, sizeof key));
	assert_string_equal(key, "иванов");
	assert_false(text_prefix_key("martinez", key, sizeof key));
	assert_string_equal(key, "martin");
	assert_true(text_name_has_prefix("martinez marquez", "marquez"));
	assert_true(text_name_has_prefix("de la-cruz", "cruz"));
	assert_true(text_name_has_prefix("st. john", "john"));
	assert_false(text_name_has_prefix("martinez marquez", "martinezz"));
	assert_false(text_name_has_prefix("martinez", "artinez"));
	assert_false(text_name_has_prefix("", "a"));
	/* Words past the sixteenth are not keys, and not matched either. */
	char many[200] = "";
	for (int i = 0; i < 17; i++)
		strcat(many, i == 16 ? "zed" : "ab ");
	assert_false(text_name_has_prefix(many, "zed"));
	assert_true(text_patient_keys(many, "x", NULL, &k));
	assert_int_equal(key_at(&k, TEXT_KEY_PREFIX, "z"), -1);
}

static void fold_rejects_bad_utf8(void **state)
{
	(void)state;
	/* clang-format off */
	static const char *const rows[] = {
		"\xC3",             /* truncated two-byte sequence */
		"M\xC3",            /* truncated at the end */
		"\xC3(",            /* bad continuation */
		"\x80",             /* lone continuation byte */
		"\xC0\x80",         /* overlong NUL */
		"\xC1\xBF",         /* overlong ASCII */
		"\xE0\x80\xAF",     /* overlong slash */
		"\xED\xA0\x80",     /* surrogate half */
		"\xF4\x90\x80\x80", /* past U+10FFFF */
		"\xF8\x88\x80\x80\x80",
		"\xFF",
		"Anna \xFE Smith",
	};
	/* clang-format on */
	int bad = 0;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		char out[64];
		memset(out, 'x', sizeof out);
		bool ok = text_fold(rows[i], out, sizeof out);
		row_check(&bad, !ok, "row %zu accepted", i);
		row_check(&bad, memchr(out, '\0', sizeof out) != NULL, "row %zu: out unterminated",
			  i);
	}
	assert_int_equal(bad, 0);
}

static void fold_buffer_size(void **state)
{
	(void)state;
	char out[16];
	/* "straße" folds to "strasse", 7 bytes: it needs 8 with the NUL. */
	assert_true(text_fold("Straße", out, 8));
	assert_string_equal(out, "strasse");
	memset(out, 'x', sizeof out);
	assert_false(text_fold("Straße", out, 7));
	assert_non_null(memchr(out, '\0', 7));
	/* A multi-byte character is never cut in half: out stays valid UTF-8. */
	memset(out, 'x', sizeof out);
	assert_false(text_fold("ЖЖ", out, 4));
	assert_string_equal(out, "ж");
	/* The collapsed space counts too. */
	assert_true(text_fold(" a  b ", out, 4));
	assert_string_equal(out, "a b");
	assert_false(text_fold(" a  b ", out, 3));
	assert_false(text_fold("a", out, 0));
	assert_false(text_fold("a", out, 1));
	assert_true(text_fold("", out, 1));
	assert_string_equal(out, "");
}

/* One escaping for every HTML the server writes: the five characters that matter in
 * text and in quoted attributes, everything else (UTF-8 too) as it is, exactly n bytes. */
static void html_escape(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b);
	const char *s = "<a href=\"x\">Tom & Jerry's</a> Zoë";
	text_html_escape(&b, s, strlen(s));
	assert_string_equal(b.data,
			    "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt; Zoë");
	b.len = 0;
	text_html_escape(&b, "plain", 5);
	assert_string_equal(b.data, "plain");
	/* n bytes, not to the NUL; nothing at all for 0. */
	b.len = 0;
	text_html_escape(&b, "&&&", 2);
	assert_string_equal(b.data, "&amp;&amp;");
	b.len = 0;
	b.data[0] = '\0';
	text_html_escape(&b, NULL, 0);
	assert_int_equal(b.len, 0);
	buf_cleanup(&b);
}

static void valid_email(void **state)
{
	(void)state;
	/* clang-format off */
	static const struct {
		const char *s;
		bool ok;
	} rows[] = {
		{"a@b.co", true},
		{"anna.smith+tag@clinic.example.org", true},
		{"x_y-z@sub.domain.de", true},
		{"a@b.c", true},
		{"", false},
		{"a", false},
		{"@b.co", false},
		{"a@", false},
		{"a@b", false},
		{"a@@b.co", false},
		{"a@b@c.co", false},
		{"a b@c.co", false},
		{"a@b .co", false},
		{"a\t@b.co", false},
		{"a@b.co\n", false},
		{"a@b.co.", false},
		{"a@.b.co", false},
		{"a@.co", false},
		{"a@b..co", false},
		{"a,b@c.co", false},
		{"a;b@c.co", false},
		{"<a@b.co>", false},
		{"a@b.co\x7f", false},
	};
	/* clang-format on */
	int bad = 0;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
		row_check(&bad, text_valid_email(rows[i].s) == rows[i].ok,
			  "row %zu: \"%s\" should %s", i, rows[i].s, rows[i].ok ? "pass" : "fail");

	/* Lengths: a local part of 64 bytes, an address of 254. */
	char s[300];
	memset(s, 'a', 64);
	snprintf(s + 64, sizeof s - 64, "@b.co");
	row_check(&bad, text_valid_email(s), "64-byte local part refused");
	memset(s, 'a', 65);
	snprintf(s + 65, sizeof s - 65, "@b.co");
	row_check(&bad, !text_valid_email(s), "65-byte local part accepted");
	memset(s, 'a', 64);
	s[64] = '@';
	memset(s + 65, 'b', 186);
	snprintf(s + 251, sizeof s - 251, ".de");
	row_check(&bad, strlen(s) == 254 && text_valid_email(s), "254-byte address refused");
	memset(s + 65, 'b', 187);
	snprintf(s + 252, sizeof s - 252, ".de");
	row_check(&bad, strlen(s) == 255 && !text_valid_email(s), "255-byte address accepted");
	assert_int_equal(bad, 0);
}

static void valid_phone(void **state)
{
	(void)state;
	/* clang-format off */
	static const struct {
		const char *s;
		bool ok;
	} rows[] = {
		{"+1 (555) 123-4567", true},
		{"030 1234567", true},
		{"555.123.4567", true},
		{"12345", true},                 /* five digits */
		{"12345678901234567890", true},  /* twenty */
		{"+49 (0) 30 123 456 78", true},
		{"1234", false},                 /* four */
		{"123456789012345678901", false}, /* twenty-one */
		{"+1 555 +123 4567", false},     /* '+' not first */
		{"++15551234567", false},
		{"555-CALL-NOW", false},
		{"555 1234 x12", false},
		{"555/123/4567", false},
		{"", false},
		{"+", false},
		{"( ) - . ", false},
		{"1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7", false}, /* over 32 bytes */
	};
	/* clang-format on */
	int bad = 0;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
		row_check(&bad, text_valid_phone(rows[i].s) == rows[i].ok,
			  "row %zu: \"%s\" should %s", i, rows[i].s, rows[i].ok ? "pass" : "fail");
	assert_int_equal(bad, 0);
}

static void phone_key(void **state)
{
	(void)state;
	/* clang-format off */
	static const struct {
		const char *in, *out;
	} rows[] = {
		{"+49 171 912345", "171912345"},
		{"0049 171 912345", "171912345"},
		{"0171 912345", "171912345"},
		{"0171912345", "171912345"},
		{"(0171) 91-23-45", "171912345"},
		{"912 345", "912345"},
		{"+1 (555) 123-4567", "5551234567"},
		{"555-123-4567", "5551234567"},
		{"+44 (0)20 7946 0018", "2079460018"},	/* the trunk 0 in brackets */
		{"020 7946 0018", "2079460018"},
		{"+39 06 1234 5678", "612345678"},	/* Italy keeps its 0; both drop it */
		{"06 1234 5678", "612345678"},
		{"+7 495 111-22-33", "4951112233"},
		{"+351 912 345 678", "912345678"},	/* a three-digit code */
		{"+420 601 123 456", "601123456"},
		{"+90 532 123 45 67", "5321234567"},
		{"", ""},
		{"abc", ""},
		{"+-() .", ""},
	};
	/* clang-format on */
	int bad = 0;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		char out[40];
		memset(out, 'x', sizeof out);
		text_phone_key(rows[i].in, out, sizeof out);
		row_check(&bad, strcmp(out, rows[i].out) == 0, "row %zu: \"%s\" -> \"%s\"", i,
			  rows[i].in, out);
	}
	char small[4];
	text_phone_key("123456", small, sizeof small);
	row_check(&bad, strcmp(small, "123") == 0, "small buffer gave \"%s\"", small);
	assert_int_equal(bad, 0);
}

static void is_phone_query(void **state)
{
	(void)state;
	/* clang-format off */
	static const struct {
		const char *q;
		bool yes;
	} rows[] = {
		{"4567", true},      {"555-1234", true}, {"(555) 12", true}, {"+49 30", true},
		{"+1 555 123 4567", true},
		{"456", false},      {"45 6", false},    {"smith", false},   {"12ab34", false},
		{"", false},         {"CG0000422", false}, {"1980-04-02", true},
	};
	/* clang-format on */
	int bad = 0;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
		row_check(&bad, text_is_phone_query(rows[i].q) == rows[i].yes, "row %zu: \"%s\"", i,
			  rows[i].q);
	assert_int_equal(bad, 0);
}

/* An independent Luhn check over every digit of s (the check digit last). */
static bool luhn_holds(const char *s)
{
	size_t n = strlen(s);
	int sum = 0;
	for (size_t i = 0; i < n; i++) {
		int d = s[n - 1 - i] - '0';
		if (i % 2 == 1) {
			d *= 2;
			if (d > 9)
				d -= 9;
		}
		sum += d;
	}
	return n > 0 && sum % 10 == 0;
}

static void mrn(void **state)
{
	(void)state;
	/* clang-format off */
	static const struct {
		int64_t id;
		const char *mrn;
	} rows[] = {
		{1, "CG0000018"},
		{42, "CG0000422"},
		{123456, "CG1234566"},
		{999999, "CG9999996"},
		{1000000, "CG10000008"},
		{1234567, "CG12345674"},
		{INT64_MAX, "CG92233720368547758074"},
	};
	/* clang-format on */
	int bad = 0;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		char out[24];
		text_mrn(rows[i].id, out, sizeof out);
		row_check(&bad, strcmp(out, rows[i].mrn) == 0, "row %zu: id %lld gave %s, want %s",
			  i, (long long)rows[i].id, out, rows[i].mrn);
		row_check(&bad, luhn_holds(out + 2), "row %zu: %s fails the Luhn check", i, out);
	}
	assert_int_equal(bad, 0);
}

static void parse_mrn(void **state)
{
	(void)state;
	int bad = 0;
	char canon[24], m[24];

	/* Every chart number parses back to itself, and every wrong check digit fails. */
	for (int64_t id = 1; id < INT64_MAX / 11; id = id * 11 / 10 + 1) {
		text_mrn(id, m, sizeof m);
		memset(canon, 'x', sizeof canon);
		row_check(&bad, text_parse_mrn(m, canon, sizeof canon) && strcmp(canon, m) == 0,
			  "%s does not round-trip", m);
		size_t n = strlen(m);
		char right = m[n - 1];
		for (char c = '0'; c <= '9'; c++) {
			if (c == right)
				continue;
			m[n - 1] = c;
			row_check(&bad, !text_parse_mrn(m, canon, sizeof canon), "%s accepted", m);
		}
	}

	/* clang-format off */
	static const struct {
		const char *s, *canon; /* NULL: rejected */
	} rows[] = {
		{"CG0000422", "CG0000422"},
		{"cg0000422", "CG0000422"},
		{"Cg0000422", "CG0000422"},
		{"cG10000008", "CG10000008"},
		{"CG92233720368547758074", "CG92233720368547758074"},
		{"CG0000423", NULL},  /* wrong check digit */
		{"CG0000242", NULL},  /* digits swapped */
		{"CG000042", NULL},   /* too short */
		{"CG042", NULL},
		{"XG0000422", NULL},
		{"GC0000422", NULL},
		{"CG00004a2", NULL},
		{"CG 0000422", NULL},
		{"CG0000422 ", NULL},
		{" CG0000422", NULL},
		{"CG-000-042-2", NULL},
		{"0000422", NULL},
		{"", NULL},
		{"CG922337203685477580740", NULL}, /* too long */
	};
	/* clang-format on */
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		memset(canon, 'x', sizeof canon);
		bool ok = text_parse_mrn(rows[i].s, canon, sizeof canon);
		if (rows[i].canon)
			row_check(&bad, ok && strcmp(canon, rows[i].canon) == 0,
				  "row %zu: \"%s\" gave %d \"%.23s\"", i, rows[i].s, ok, canon);
		else
			row_check(&bad, !ok, "row %zu: \"%s\" accepted", i, rows[i].s);
	}
	/* The canonical form must fit. */
	row_check(&bad, !text_parse_mrn("CG0000422", canon, 9), "a 9-byte buffer was used");
	row_check(&bad, text_parse_mrn("cg0000422", canon, 10) && strcmp(canon, "CG0000422") == 0,
		  "a 10-byte buffer was refused");
	assert_int_equal(bad, 0);
}

int main(void)
{
	/* clang-format off */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fold),
		cmocka_unit_test(fold_latin_names),
		cmocka_unit_test(split_words),
		cmocka_unit_test(patient_keys),
		cmocka_unit_test(patient_prefix_keys),
		cmocka_unit_test(fold_rejects_bad_utf8),
		cmocka_unit_test(fold_buffer_size),
		cmocka_unit_test(html_escape),
		cmocka_unit_test(valid_email),
		cmocka_unit_test(valid_phone),
		cmocka_unit_test(phone_key),
		cmocka_unit_test(is_phone_query),
		cmocka_unit_test(mrn),
		cmocka_unit_test(parse_mrn),
	};
	/* clang-format on */
	return cmocka_run_group_tests_name("unit_text", tests, NULL, NULL);
}

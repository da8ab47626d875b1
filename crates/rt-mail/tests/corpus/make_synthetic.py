#!/usr/bin/env python3
"""Writes the synthetic messages of the mail corpus (the `syn-*.eml` files).

The files are committed; this script documents how they were made and can
re-create them byte for byte: `python3 make_synthetic.py` in this directory.
The TNEF message needs Teamwork/tnef's `testdata/one-file.tnef` (see
SOURCES.md) as `one-file.tnef` next to this script, or it is skipped.

The 20 MB attachment message is not here: corpus.rs generates it.
"""

import base64
import os
import quopri

HERE = os.path.dirname(os.path.abspath(__file__))


def write(name, data):
    if isinstance(data, str):
        data = data.encode("ascii")
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)


def b64(data, width=76):
    enc = base64.b64encode(data).decode("ascii")
    return "\n".join(enc[i : i + width] for i in range(0, len(enc), width))


def ewb(text, cs, codec=None):
    """An RFC 2047 B encoded word."""
    return ("=?%s?B?%s?=" % (cs, base64.b64encode(text.encode(codec or cs)).decode("ascii"))).encode("ascii")


def ewq(text, cs, codec=None):
    """An RFC 2047 Q encoded word."""
    out = []
    for byte in text.encode(codec or cs):
        c = chr(byte)
        if c == " ":
            out.append("_")
        elif c.isascii() and c.isalnum():
            out.append(c)
        else:
            out.append("=%02X" % byte)
    return ("=?%s?Q?%s?=" % (cs, "".join(out))).encode("ascii")


def crlf(b):
    return b.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def head(frm, subject, mid, extra=b""):
    return (
        b"From: " + frm + b"\n"
        b"To: help@example.com\n"
        b"Subject: " + subject + b"\n"
        b"Date: Tue, 03 Mar 2026 10:00:00 +0100\n"
        b"Message-ID: <" + mid + b"@corpus.example>\n" + extra
    )


def plain(frm, subject, mid, charset, cte, body, extra=b""):
    return (
        head(frm, subject, mid, extra)
        + b"MIME-Version: 1.0\n"
        + b"Content-Type: text/plain; charset=" + charset + b"\n"
        + b"Content-Transfer-Encoding: " + cte + b"\n\n"
        + body
    )


# A 1x1 PNG and a small binary "PDF".
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

# --- charsets: bodies ------------------------------------------------------

write(
    "syn-utf8-plain.eml",
    crlf(
        plain(
            ewb("Jürgen Müller", "UTF-8") + b" <juergen@corpus.example>",
            ewb("Drucker im Büro kaputt ✔", "UTF-8"),
            b"utf8-plain",
            b"utf-8",
            b"8bit",
            "Der Drucker im Büro ist kaputt — schon wieder. 日本語も。\n".encode("utf-8"),
        )
    ),
)

write(
    "syn-reply-subject-tag.eml",
    plain(
        b"juergen@corpus.example",
        b"Re: [example.com #1] Drucker im =?UTF-8?Q?B=C3=BCro?= kaputt",
        b"reply-tag",
        b"utf-8",
        b"quoted-printable",
        b"Er geht wieder, danke f=C3=BCr die Hilfe.\n",
    ),
)

write(
    "syn-iso-8859-1-qp.eml",
    plain(
        ewq("François Pérez", "ISO-8859-1") + b" <francois@corpus.example>",
        ewq("Problème d'accès", "ISO-8859-1"),
        b"latin1-qp",
        b'"ISO-8859-1"',
        b"quoted-printable",
        quopri.encodestring("Je n'arrive plus à me connecter depuis lundi, ça bloque tout.\n".encode("latin-1")),
    ),
)

write(
    "syn-iso-8859-2-8bit.eml",
    plain(
        b"Zofia <zofia@corpus.example>",
        ewq("Zgłoszenie błędu", "ISO-8859-2"),
        b"latin2",
        b"iso-8859-2",
        b"8bit",
        "Zażółć gęślą jaźń: drukarka nie działa.\n".encode("iso-8859-2"),
    ),
)

write(
    "syn-iso-8859-15-base64.eml",
    plain(
        b"jean@corpus.example",
        ewb("Facture de 100 €", "ISO-8859-15"),
        b"latin9",
        b"iso-8859-15",
        b"base64",
        (b64("La facture de 100 € est payée.\n".encode("iso-8859-15")) + "\n").encode("ascii"),
    ),
)

write(
    "syn-windows-1252.eml",
    crlf(
        plain(
            b"pat@corpus.example",
            ewq("“Smart” quotes – and €", "windows-1252", "cp1252"),
            b"cp1252",
            b"windows-1252",
            b"8bit",
            "Outlook wrote “smart quotes” – and costs €5.\n".encode("cp1252"),
        )
    ),
)

write(
    "syn-windows-1251.eml",
    plain(
        ewb("Иван Петров", "windows-1251", "cp1251") + b" <ivan@corpus.example>",
        ewb("Проблема с почтой", "windows-1251", "cp1251"),
        b"cp1251",
        b"windows-1251",
        b"8bit",
        "Не работает почта.\n".encode("cp1251"),
    ),
)

write(
    "syn-koi8-r.eml",
    plain(
        ewb("Лена", "KOI8-R") + b" <lena@corpus.example>",
        ewq("Привет мир", "KOI8-R"),
        b"koi8r",
        b"koi8-r",
        b"8bit",
        "Привет, мир! Сервер недоступен.\n".encode("koi8-r"),
    ),
)

write(
    "syn-shift_jis.eml",
    plain(
        b"taro@corpus.example",
        ewb("プリンターの故障", "Shift_JIS"),
        b"sjis",
        b"Shift_JIS",
        b"8bit",
        "プリンターが故障しました。至急お願いします。\n".encode("shift_jis"),
    ),
)

write(
    "syn-iso-2022-jp.eml",
    plain(
        ewb("山田 太郎", "ISO-2022-JP") + b" <yamada@corpus.example>",
        ewb("ご相談", "ISO-2022-JP"),
        b"iso2022jp",
        b"ISO-2022-JP",
        b"7bit",
        "お世話になっております。サーバーが停止しています。\n".encode("iso-2022-jp"),
    ),
)

write(
    "syn-gb2312-base64.eml",
    plain(
        b"wang@corpus.example",
        ewb("服务器故障", "GB2312"),
        b"gb2312",
        b"gb2312",
        b"base64",
        (b64("服务器无法连接，请尽快处理。\n".encode("gb2312")) + "\n").encode("ascii"),
    ),
)

write(
    "syn-big5.eml",
    plain(
        b"chen@corpus.example",
        ewb("印表機故障", "Big5"),
        b"big5",
        b"big5",
        b"8bit",
        "印表機無法列印，謝謝。\n".encode("big5"),
    ),
)

# --- headers: RFC 2047 / RFC 2231 -------------------------------------------

write(
    "syn-rfc2047-mixed-subject.eml",
    head(
        b'"' + ewq("Ana María", "UTF-8") + b'" <ana@corpus.example>',
        ewq("Café", "UTF-8") + b" " + ewq(" crème", "ISO-8859-1") + b"\n " + ewb(" ☕", "UTF-8") + b" and plain words",
        b"rfc2047-mixed",
    )
    + b"\nAdjacent encoded words join without their space.\n",
)

write(
    "syn-rfc2231-filenames.eml",
    crlf(
        head(b"kim@corpus.example", b"RFC 2231 file names", b"rfc2231")
        + b"MIME-Version: 1.0\n"
        b'Content-Type: multipart/mixed; boundary="rfc2231"\n\n'
        b"--rfc2231\n"
        b"Content-Type: text/plain; charset=us-ascii\n\n"
        b"Two files with encoded names.\n"
        b"--rfc2231\n"
        b"Content-Type: application/pdf\n"
        b"Content-Disposition: attachment;\n"
        b" filename*0*=UTF-8''%E6%97%A5%E6%9C%AC%E8%AA%9E%20;\n"
        b" filename*1*=%E3%83%AC%E3%83%9D%E3%83%BC%E3%83%88.pdf\n"
        b"Content-Transfer-Encoding: base64\n\n" + b64(PDF).encode() + b"\n"
        b"--rfc2231\n"
        b"Content-Type: text/csv; name*=iso-8859-1'fr'donn%E9es.csv\n"
        b"Content-Disposition: attachment; filename*=iso-8859-1'fr'donn%E9es.csv\n\n"
        b"a;b\n1;2\n"
        b"--rfc2231--\n"
    ),
)

# --- structures ---------------------------------------------------------------

write(
    "syn-nested-multipart.eml",
    head(b"nested@corpus.example", b"Nested multiparts", b"nested")
    + b"MIME-Version: 1.0\n"
    b'Content-Type: multipart/mixed; boundary="outer"\n\n'
    b"This is a multi-part message in MIME format.\n"
    b"--outer\n"
    b'Content-Type: multipart/alternative; boundary="alt"\n\n'
    b"--alt\n"
    b"Content-Type: text/plain; charset=utf-8\n\n"
    b"Plain version of the nested message.\n"
    b"--alt\n"
    b'Content-Type: multipart/related; boundary="rel"\n\n'
    b"--rel\n"
    b"Content-Type: text/html; charset=utf-8\n\n"
    b'<p>HTML version <img src="cid:dot@corpus"></p>\n'
    b"--rel\n"
    b"Content-Type: image/png\n"
    b"Content-ID: <dot@corpus>\n"
    b"Content-Disposition: inline; filename=dot.png\n"
    b"Content-Transfer-Encoding: base64\n\n" + b64(PNG).encode() + b"\n"
    b"--rel--\n"
    b"--alt--\n"
    b"--outer\n"
    b"Content-Type: application/pdf; name=report.pdf\n"
    b"Content-Disposition: attachment; filename=report.pdf\n"
    b"Content-Transfer-Encoding: base64\n\n" + b64(PDF).encode() + b"\n"
    b"--outer--\n"
    b"Epilogue that nobody reads.\n",
)

write(
    "syn-alternative.eml",
    head(b"alt@corpus.example", b"Only alternatives", b"alternative")
    + b"MIME-Version: 1.0\n"
    b"Content-Type: multipart/alternative; boundary=XYZ\n\n"
    b"--XYZ\n"
    b"Content-Type: text/plain; charset=iso-8859-1\n"
    b"Content-Transfer-Encoding: quoted-printable\n\n"
    b"Sch=F6ne Gr=FC=DFe\n"
    b"--XYZ\n"
    b"Content-Type: text/html; charset=iso-8859-1\n"
    b"Content-Transfer-Encoding: quoted-printable\n\n"
    b"<b>Sch=F6ne Gr=FC=DFe</b>\n"
    b"--XYZ--\n",
)

write(
    "syn-inline-image.eml",
    head(b"photo@corpus.example", b"Screenshot inline", b"inline-image")
    + b"MIME-Version: 1.0\n"
    b"Content-Type: multipart/related; boundary=rel; type=\"text/html\"\n\n"
    b"--rel\n"
    b"Content-Type: text/html; charset=us-ascii\n\n"
    b'<p>See the error:</p><img src="cid:shot1">\n'
    b"--rel\n"
    b'Content-Type: image/png; name="screenshot.png"\n'
    b"Content-ID: <shot1>\n"
    b"Content-Disposition: inline\n"
    b"Content-Transfer-Encoding: base64\n\n" + b64(PNG).encode() + b"\n"
    b"--rel--\n",
)

INNER = (
    b"From: Original Sender <orig@elsewhere.example>\n"
    b"To: someone@elsewhere.example\n"
    b"Subject: =?UTF-8?Q?Originalnachricht_=C3=BCber_Server?=\n"
    b"Message-ID: <inner@elsewhere.example>\n"
    b"MIME-Version: 1.0\n"
    b"Content-Type: multipart/mixed; boundary=inner\n\n"
    b"--inner\n"
    b"Content-Type: text/plain; charset=utf-8\n\n"
    b"The server is down since 9:00.\n"
    b"--inner\n"
    b"Content-Type: application/octet-stream; name=log.bin\n"
    b"Content-Transfer-Encoding: base64\n\n" + b64(bytes(range(256))).encode() + b"\n"
    b"--inner--\n"
)
write(
    "syn-message-rfc822.eml",
    head(b"fwd@corpus.example", b"Fwd: Originalnachricht", b"rfc822")
    + b"MIME-Version: 1.0\n"
    b"Content-Type: multipart/mixed; boundary=fwd\n\n"
    b"--fwd\n"
    b"Content-Type: text/plain; charset=us-ascii\n\n"
    b"Forwarding the original below.\n"
    b"--fwd\n"
    b"Content-Type: message/rfc822\n"
    b"Content-Disposition: attachment; filename=original.eml\n\n" + INNER + b"--fwd--\n",
)

tnef_path = os.path.join(HERE, "one-file.tnef")
if os.path.exists(tnef_path):
    with open(tnef_path, "rb") as f:
        tnef = f.read()
    write(
        "syn-outlook-tnef-winmail.eml",
        crlf(
            b"From: Outlook User <outlook@corpus.example>\n"
            b"To: help@example.com\n"
            b"Subject: Rich text from Outlook\n"
            b"Date: Tue, 03 Mar 2026 10:00:00 +0100\n"
            b"Message-ID: <tnef@corpus.example>\n"
            b"MIME-Version: 1.0\n"
            b"X-Mailer: Microsoft Office Outlook 12.0\n"
            b"X-MS-TNEF-Correlator: 00000000D71F3C0A1B8B2A4B8C9F0C6E2A1C8F1D\n"
            b'Content-Type: multipart/mixed; boundary="----=_NextPart_000_0001_01DA0000.00000000"\n\n'
            b"This is a multi-part message in MIME format.\n\n"
            b"------=_NextPart_000_0001_01DA0000.00000000\n"
            b'Content-Type: text/plain; charset="us-ascii"\n'
            b"Content-Transfer-Encoding: 7bit\n\n"
            b"Please see the attached file.\n\n"
            b"------=_NextPart_000_0001_01DA0000.00000000\n"
            b"Content-Type: application/ms-tnef; name=\"winmail.dat\"\n"
            b"Content-Transfer-Encoding: base64\n"
            b"Content-Disposition: attachment; filename=\"winmail.dat\"\n\n" + b64(tnef).encode() + b"\n\n"
            b"------=_NextPart_000_0001_01DA0000.00000000--\n"
        ),
    )

# --- malformed input ------------------------------------------------------------

write(
    "syn-bad-boundary.eml",
    head(b"bb@corpus.example", b"Boundary never appears", b"bad-boundary")
    + b"MIME-Version: 1.0\n"
    b'Content-Type: multipart/mixed; boundary="declared"\n\n'
    b"--actual\n"
    b"Content-Type: text/plain\n\n"
    b"The text sits behind the wrong boundary.\n"
    b"--actual--\n",
)

write(
    "syn-unterminated-multipart.eml",
    head(b"unterminated@corpus.example", b"No closing boundary", b"unterminated")
    + b"MIME-Version: 1.0\n"
    b"Content-Type: multipart/mixed; boundary=open\n\n"
    b"--open\n"
    b"Content-Type: text/plain\n\n"
    b"First part.\n"
    b"--open\n"
    b"Content-Type: text/plain; name=notes.txt\n"
    b"Content-Disposition: attachment; filename=notes.txt\n\n"
    b"Second part, and the message just ends.\n",
)

write(
    "syn-missing-headers.eml",
    b"From: minimal@corpus.example\n\nNo Subject, Date, Message-ID or MIME-Version.\n",
)

write(
    "syn-no-sender.eml",
    b"To: help@example.com\nSubject: Who sent this?\nMessage-ID: <no-sender@corpus.example>\n\nThere is no From, Sender or Reply-To.\n",
)

write(
    "syn-no-headers.eml",
    b"Just a body line without any header,\nlike a pasted note.\n",
)

write(
    "syn-8bit-utf8-headers.eml",
    "From: Søren Ærø <soren@corpus.example>\nTo: help@example.com\nSubject: Ærlig talt, printeren på 2. sal\n"
    "Message-ID: <8bit-utf8@corpus.example>\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n"
    "Content-Transfer-Encoding: 8bit\n\nRaw UTF-8 in the headers, no RFC 2047.\n".encode("utf-8"),
)

write(
    "syn-8bit-latin1-headers.eml",
    "From: José <jose@corpus.example>\nTo: help@example.com\nSubject: Señal débil\n"
    "Message-ID: <8bit-latin1@corpus.example>\nMIME-Version: 1.0\nContent-Type: text/plain; charset=iso-8859-1\n"
    "Content-Transfer-Encoding: 8bit\n\nLa señal es débil.\n".encode("latin-1"),
)

write(
    "syn-bare-lf-multipart.eml",
    head(b"lf@corpus.example", b"Bare LF multipart", b"bare-lf")
    + b"MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=lf\n\n"
    b"--lf\nContent-Type: text/plain\n\nLine one\nline two\n"
    b"--lf\nContent-Type: application/octet-stream; name=data.bin\nContent-Transfer-Encoding: base64\n\n"
    + b64(b"\x00\x01\x02\x03\r\n\n\xff").encode()
    + b"\n--lf--\n",
)

write(
    "syn-mixed-line-endings.eml",
    b"From: mixed@corpus.example\r\nTo: help@example.com\nSubject: CRLF and LF\r\nMessage-ID: <mixed-eol@corpus.example>\n"
    b"\r\nFirst line ends CRLF\r\nsecond LF\nthird CR only\rfourth.\r\n",
)

write(
    "syn-unknown-charset.eml",
    plain(
        b"odd@corpus.example",
        b"=?x-unknown?Q?Odd_charset?=",
        b"unknown-charset",
        b"x-no-such-charset",
        b"8bit",
        b"ASCII survives an unknown charset.\n",
    ),
)

write(
    "syn-bad-base64.eml",
    head(b"b64@corpus.example", b"Broken base64", b"bad-base64")
    + b"MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n"
    b"--b\nContent-Type: text/plain\n\nSee attachment.\n"
    b"--b\nContent-Type: application/octet-stream; name=broken.bin\nContent-Transfer-Encoding: base64\n\n"
    b"this is *not* base64 !!!\n"
    b"--b--\n",
)

# --- empty bodies ---------------------------------------------------------------------

write(
    "syn-empty-body.eml",
    b"From: empty@corpus.example\nTo: help@example.com\nSubject: Empty body\nMessage-ID: <empty@corpus.example>\n\n",
)

write(
    "syn-headers-only.eml",
    b"From: headers-only@corpus.example\nTo: help@example.com\nSubject: Headers only\nMessage-ID: <headers-only@corpus.example>\n",
)

# --- automatic mail -------------------------------------------------------------------

write(
    "syn-autoreply-vacation.eml",
    head(
        b"away@corpus.example",
        b"Out of Office: Printer",
        b"vacation",
        b"Auto-Submitted: auto-replied\nX-Autoreply: yes\n",
    )
    + b"\nI am out of the office until Monday.\n",
)

write(
    "syn-precedence-bulk.eml",
    head(b"news@corpus.example", b"Monthly newsletter", b"bulk", b"Precedence: bulk\nList-Id: <news.corpus.example>\n")
    + b"\nOur news this month.\n",
)

write(
    "syn-precedence-junk.eml",
    head(b"spam@corpus.example", b"You won", b"junk", b"Precedence: junk\n") + b"\nClaim your prize.\n",
)

write(
    "syn-auto-submitted-no.eml",
    head(b"human@corpus.example", b"Written by a person", b"auto-no", b"Auto-Submitted: no\n")
    + b"\nAuto-Submitted: no is a person.\n",
)

write(
    "syn-null-return-path.eml",
    b"Return-Path: <>\n"
    + head(b"robot@corpus.example", b"Nightly job finished", b"null-return-path")
    + b"\nThe nightly backup finished.\n",
)

write(
    "syn-loop-prevention.eml",
    head(b"loop@corpus.example", b"Our own mail coming back", b"loop", b"X-RT-Loop-Prevention: example.com\n")
    + b"\nThis came from us.\n",
)

write(
    "syn-duplicate.eml",
    head(b"dup@corpus.example", b"Sent twice", b"duplicate") + b"\nThe MTA delivered me twice.\n",
)

write(
    "syn-comment-denied.eml",
    head(b"juergen@corpus.example", b"Internal note?", b"comment-denied") + b"\nThe public may not comment.\n",
)

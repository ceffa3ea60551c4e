#!/usr/bin/env python3
"""Writes corpus/addr_dev.jsonl: hand-written postal addresses (issue 20, item 4) and look-alikes.

Development (tuning) data, written for this crate from the countries' published address
conventions; no generator and no other project's data. Markup: `[[...]]` a STREET_ADDRESS,
`[z[...]]` a ZIP_CODE, `[k:KIND[...]]` a look-alike that must be kept.

    python3 corpus/addr_dev.py > corpus/addr_dev.jsonl
"""
import json
import re

TEXTS = r"""
Please send it to [[4711 Keskuskatu 12\n Apt. 33\n TAMPERE\n Finland 33100]] before Friday.
The office is at [[221B Baker Street, London NW1 6XE]].
Sorry, my postcode is [z[NW1 6XE]].
We are based in [[London SW1A 2AA]] these days.
Deliver to the corner of [[Elm and 5th]] at noon.
Ok, meet me at the corner of [[5th Ave and Main St]] tomorrow.
I live on [[Maple Street]] now.
Please ship it to [[Rue de Rivoli, Paris]].
Ship to:\n[[Flat 3\n12 High Street\nCambridge\nCB2 1TN]]\nThanks!
[[c/o Acme Ltd\n5 Market Square\nOxford OX1 3AA\nUnited Kingdom]]
Address:\n[[Rosebank House\n14 Church Lane\nLeeds\nLS1 4DY]]
[[Floor 3, 27 Harcourt Street\nDublin 2\nD02 XY45\nIreland]]
Write to [[P.O. Box 1234\nNairobi 00100\nKenya]] for the forms.
Her address: [[Hauptstraße 5\n10115 Berlin\nGermany]].
Invoice to [[Musterfirma GmbH, Lindenallee 23, 50968 Köln, Deutschland]] please.
Send to [[Mariahilfer Straße 45/3/12\n1060 Wien\nÖsterreich]]
[[Bahnhofstrasse 10\nCH-8001 Zürich\nSwitzerland]]
Envoyez à [[12 rue de la Paix\n75002 PARIS\nFRANCE]] merci.
[[Avenue Louise 54, 1050 Bruxelles, Belgique]] is the venue.
Mijn adres is [[Keizersgracht 123\n1015 CJ Amsterdam\nNederland]].
[[Via Giuseppe Garibaldi 7\n20121 Milano MI\nItalia]]
Dirección: [[Calle Mayor 14, 3º B\n28013 Madrid\nEspaña]]
[[Rua Augusta 210, 2º Esq.\n1100-053 Lisboa\nPortugal]]
Entrega: [[Av. Paulista, 1578 - Bela Vista\nSão Paulo - SP\n01310-200\nBrasil]]
[[Av. Insurgentes Sur 1602, Piso 4\nCol. Crédito Constructor\n03940 Ciudad de México, CDMX\nMéxico]]
[[Av. Corrientes 1234, Piso 5 Dto. B\nC1043AAZ Buenos Aires\nArgentina]]
[[Carrera 7 # 71-21, Oficina 502\nBogotá, Colombia]]
Mi dirección es [[Av. Providencia 1234, Depto. 56, Providencia, Santiago, Chile]].
[[ul. Marszałkowska 84/92 m. 15\n00-514 Warszawa\nPolska]]
[[Václavské náměstí 846/1\n110 00 Praha 1\nČeská republika]]
[[Obchodná 25\n811 06 Bratislava\nSlovensko]]
[[Budapest\nAndrássy út 22.\n1061\nMagyarország]]
[[Strada Lipscani 12, bl. 3, sc. A, ap. 4\n030031 București\nRomânia]]
[[Drottninggatan 53\n111 21 Stockholm\nSverige]]
[[Karl Johans gate 22\n0159 Oslo\nNorway]]
[[Strøget 18, 2. th.\n1160 København K\nDanmark]]
[[Laugavegur 26\n101 Reykjavík\nIceland]]
[[Viru 2-15\n10140 Tallinn\nEstonia]]
[[Brīvības iela 55-7\nRīga, LV-1010\nLatvia]]
[[Gedimino pr. 9\nLT-01103 Vilnius\nLithuania]]
[[Ermou 25\n105 63 Athens\nGreece]]
[[Bağdat Caddesi No: 45 Daire 6\n34710 Kadıköy/İstanbul\nTürkiye]]
[[ul. Tverskaya, d. 7, kv. 12\nMoskva\n125009\nRussia]]
[[vul. Khreshchatyk 22, kv. 5\nKyiv 01001\nUkraine]]
[[Flat 12, Sector 15\nNew Delhi 110001\nIndia]]
[[House 12, Street 7, F-8/3\nIslamabad 44000\nPakistan]]
[[Unit 5B, 123 Ayala Avenue\nMakati City 1226\nMetro Manila, Philippines]]
[[1-2-3 Marunouchi, Chiyoda-ku\nTokyo 100-0005\nJapan]]
[[No. 18 Jianguo Road, Chaoyang District\nBeijing 100022\nChina]]
[[12 Sejong-daero, Jung-gu\nSeoul 04524\nSouth Korea]]
[[12 Long Street\nCape Town\n8001\nSouth Africa]]
[[15 Adeola Odeku Street, Victoria Island\nLagos 101241\nNigeria]]
[[Unit 4, 18 George Street\nSydney NSW 2000\nAustralia]]
[[Level 2, 99 Queen Street\nAuckland 1010\nNew Zealand]]
[[Suite 400, 123 Main Street\nToronto ON M5H 2N2\nCanada]]
[[1200 Sherbrooke St W, Montreal, QC H3A 1H6]]
[[350 Fifth Avenue, Floor 21\nNew York, NY 10118\nUSA]]
[[Apt 4B\n77 Massachusetts Ave\nCambridge, MA 02139]]
Mail it to [[PO Box 789, Toowoomba QLD 4350]] please.
Address on file: [[17 Rosemount Avenue, Dublin 6W, D6W 1234]]
Her address is [[Mannerheimintie 12 B 7\n00100 HELSINKI]].
[[Storgatan 5 B\nSE-411 38 Göteborg]]
You can find us at [[Rathausplatz 1, 8010 Graz]].
Return address: [[3 Chemin des Lilas, 1200 Genève]]
I moved to [[Pine Road, Springfield]] last year.
Please deliver to [[Oak Avenue, Bristol, UK]]
We met at the intersection of [[Broadway and 42nd Street]] then.
Find us on [[Lombard Street]] in the old town.
[[Sunnyside Cottage\nMill Lane\nLower Slaughter\nCheltenham\nGL54 2HS]]
[[Building 7, Floor 2\n10 Tuas Avenue\nSingapore 639135]]
Recipient:\n[[Torggata 9\nN-0181 OSLO]]
[[Kungsgatan 2\n411 19 GÖTEBORG\nSWEDEN]]
[[Piazza San Marco 1\n30124 Venezia VE]]
[[Plaza Mayor 3, 2.º izq.\n37002 Salamanca]]
[[Rynek Główny 1\n31-042 Kraków]]
[[Rue du Marché 15\n1204 Geneva]]
The postal code is [z[H3A 1H6]].
Our Eircode is [z[D02 X285]], come by.
Post code: [z[EH1 1YZ]]
My zip is [z[90210]].
The [k:place[Paris]] office is closed in [k:country[France]].
[k:place[Tampere]] is a city in [k:country[Finland]].
We flew from [k:place[London]] to [k:place[Helsinki]] via [k:place[Amsterdam]].
The [k:org[Main Street Bank]] raised rates.
[k:product[Galaxy S23]] and [k:product[iPhone 15]] compared.
Buy the [k:product[Model 3]] or the [k:product[Model Y]] today.
He works for [k:org[Baker Street Capital]] in [k:place[New York]].
The [k:product[RTX 4090]] ships with [k:product[24 GB]] of memory.
[k:org[Deutsche Bank]] and [k:org[Banco Santander]] reported profits.
The [k:org[United Nations]] met in [k:place[Geneva]].
We visited [k:place[Rome]], [k:place[Milan]] and [k:place[Venice]] in [k:year[2019]].
The conference is in [k:place[Berlin]], [k:country[Germany]], in [k:date[May 2025]].
[k:place[TORONTO]] and [k:place[MONTREAL]] led the standings.
Flight [k:order[BA 117]] to [k:place[New York]] leaves at [k:time[10:45]].
Room [k:order[12]] on floor [k:order[3]] is free.
The [k:place[Street]] team ships version [k:version[3.4.1]].
Order [k:order[A12 3BC]] was delayed.
Take [k:order[Route 66]] west.
The [k:org[Abbey Road Studios]] session ran late.
[k:org[Wall Street]] fell 3% on Monday.
The [k:org[Oxford Street]] store opened on [k:date[June 5]].
Read chapter [k:order[5]] of [k:product[Elm and Oak]].
They sell [k:product[Maple Syrup]] at the [k:place[Main Street]] fair.
Our team in [k:place[São Paulo]] and [k:place[Mexico City]] grew.
[k:country[Norway]], [k:country[Sweden]] and [k:country[Denmark]] signed.
Ask [k:org[Acme Ltd]] about the [k:product[Series 5]] order.
I grew up in [k:place[Cape Town]] near the sea.
The [k:product[Pixel 8]] costs [k:amount[€699]].
"""

MARK = re.compile(r"\[(?:z|k:(\w+))?\[(.*?)\]\]", re.S)


def record(line):
    line = line.replace("\\n", "\n")
    text, spans, pos = "", [], 0
    for m in MARK.finditer(line):
        text += line[pos:m.start()]
        start = len(text.encode())
        text += m.group(2)
        end = len(text.encode())
        kind = m.group(1)
        label = f"KEEP:{kind}" if kind else ("ZIP_CODE" if m.group(0)[1] == "z" else "STREET_ADDRESS")
        spans.append({"start": start, "end": end, "label": label})
        pos = m.end()
    text += line[pos:]
    return {"text": text, "spans": spans}


for line in TEXTS.strip().split("\n"):
    print(json.dumps(record(line), ensure_ascii=False))

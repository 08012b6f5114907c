package chainmail

// latinPatterns are the chain-letter signals of the Latin-script languages
// most spoken by pupils' families after English (Polish, Romanian,
// Portuguese, Spanish, Lithuanian, Somali), written as textnorm reads them:
// lowercase, diacritics stripped ("przekaż" reads "przekaz", "și-a" reads
// "si a", "ł" reads "l").
var latinPatterns = []pattern{
	// Polish.
	p(famForwardN, 0.5, `(przes\w*|wys\w*|przekaz\w*|rozes\w*|udostepni\w*) (\w+ ){0,6}\d+ (\w+ ){0,2}(osob|osobom|znajomym|przyjaciolom|przyjaciol|ludzi|kobiet|kobietom|kontaktow|kopii)`),
	p(famForwardAll, 0.3, `(przes\w*|wys\w*|przekaz\w*|rozes\w*|udostepni\w*|powiadom\w*) (\w+ ){0,4}(wszystkim|wszystkich|kazdemu|jak najwiekszej|jak najwiecej|wszedzie)`),
	p(famForwardAll, 0.25, `(przekaz|przekazcie|przeslij|przeslijcie|wyslij|wyslijcie|podaj|wysylaj|przesylaj) (to |ten list |ta wiadomosc |go |je |ja )?dalej|kazde udostepnienie`),
	p(famDeadline, 0.25, `(w ciagu|w przeciagu|w ciagu najblizszych|przez) \d+ (godzin|godziny|minut|dni|godz)|(przed|do|o) polnoc[ya]?`),
	p(famLuck, 0.4, `(nie )?(przerywaj|przerwij|przerwiesz|zrywaj) (tego )?(lancuszka|lancucha)|lancuszek szczescia|(pecha|nieszczescia|nieszczescie) przez \d+ (lat|dni|miesiecy)`),
	p(famLuck, 0.35, `(bedziesz|bedzie|beda) (mial|miala|mieli|miec)? ?(pecha|nieszczescie)|(stracil|stracila) (prace|dom|wszystko|pieniadze)|(wygral|wygrala) (na loterii|w lotto|milion)|(spotka|dotknie) (cie|was|go|tego) (cos|wielka|wielkie)|spotka (\w+ )?(nieszczescie|pech)|(kto|ktos|jesli) (przerwie|przerwiesz|usunie|usuniesz) |spelni sie (twoje )?(zyczenie|marzenie)|przyniesie (to )?(pecha|szczescie)|same nieszczescia`),
	p(famNotHoax, 0.35, `to (nie jest |nie )zart|dziala naprawde|naprawde dziala|to dziala|(policja|policji) (to )?potwierdzil\w*|potwierdzone przez (policje|lekarzy)`),
	p(famPrayer, 0.35, `(matka boza|matka boska|bog|jezus) (cie|was) (blogoslawi|wynagrodzi)|nie wstydz sie (boga|jezusa)`),
	p(famAppeal, 0.3, `(zaginal|zaginela|zaginelo|zaginiony|zaginiona) (\w+ ){0,15}(udostepn\w*|przekaz\w*|przesl\w*)|policja nic nie robi|za kazde udostepnienie|nie przewijaj`),
	p(famCopyPaste, 0.4, `(skopiuj|kopiuj|skopiowac|skopiujcie) (i )?(wklej|wkleic|wklejcie)|nie (wyrazam zgody|zezwalam|pozwalam) (\w+ ){0,4}(facebook\w*|whatsapp\w*|instagram\w*)|stan(ie|a) sie publiczn\w*`),
	p(famThreat, 0.35, `konto (\w+ ){0,2}(zostanie|bedzie) (usuniete|zablokowane|dezaktywowane|platne)|(whatsapp|facebook) (bedzie|jest) platny|logo zmieni kolor`),
	p(famAuthority, 0.3, `(lekarze|policja|naukowcy|eksperci) (\w+ ){0,4}potwierdzil\w*|media (o tym )?milcza|kolezanka ma znajoma|w telewizji nic nie mowia|znajom\w* (\w+ ){0,3}(policj\w*|pielegniark\w*|lekarz\w*)`),
	p(famUrgency, 0.2, `zanim (bedzie|jest) za pozno|lepiej dmuchac na zimne|(moglo|mogloby) byc twoje dziecko|jak najszybciej`),
	// Romanian.
	p(famForwardN, 0.5, `(trimit\w*|da|dati|distribui\w*|redirectioneaz\w*) (\w+ ){0,6}(la|catre) \d+ (\w+ ){0,2}(persoane|prieteni|oameni|contacte|femei|cunoscuti)`),
	p(famForwardAll, 0.3, `(trimit\w*|da|dati|distribui\w*|anuntati) (\w+ ){0,4}(tuturor|la toti|la toate|toti prietenii|la cat mai multe|cat mai multor)`),
	p(famForwardAll, 0.25, `(trimite|trimiteti|da|dati) (l |o |\w+ )?mai departe|(dati|da) share|fiecare share conteaza`),
	p(famDeadline, 0.25, `(in|in urmatoarele|in decurs de) \d+ (de )?(ore|minute|zile)|inainte de miezul noptii`),
	p(famLuck, 0.4, `nu (rupe|rupeti|intrerupe) lantul|scrisoarea norocului|ghinion \d+ ani|(vei|veti) avea (\w+ ){0,2}ghinion|numai ghinion`),
	p(famLuck, 0.35, `(si a|s a|a) pierdut (slujba|serviciul|casa|tot)|a castigat la (loto|loterie)|ti se va intampla ceva|norocul (iti|va) (va )?veni`),
	p(famNotHoax, 0.35, `nu (este|e) (o )?gluma|politia a confirmat|confirmat de politie`),
	p(famPrayer, 0.35, `(maica domnului|dumnezeu|domnul) (sa te|te va|sa va) (ocroteasca|binecuvanteze|binecuvanta|ocroti)|nu (iti|va) fie rusine de dumnezeu`),
	p(famAppeal, 0.3, `(a disparut|disparut|disparuta) (\w+ ){0,15}(share|distribui\w*|trimit\w*)|politia nu face nimic|pentru fiecare distribuire|nu treceti mai departe`),
	p(famCopyPaste, 0.4, `(copiati|copiaza) si (lipiti|lipeste)|nu (permit|autorizez) (\w+ ){0,3}(facebook|whatsapp|instagram)|devine public`),
	p(famThreat, 0.35, `contul (\w+ ){0,2}va fi (sters|blocat|suspendat)|whatsapp (va costa|devine contra cost|va deveni contra cost)|logo ul va deveni albastru`),
	p(famAuthority, 0.3, `o prietena a unei colege|la televizor nu spun nimic`),
	p(famUrgency, 0.2, `mai bine sa fim prevazatori|putea fi copilul|cat mai repede`),
	// Portuguese and Spanish.
	p(famForwardN, 0.5, `(envie|envia|reencaminh\w*|reenvi\w*|partilh\w*|compart\w*|manda|pasa) (\w+ ){0,4}(para|a) \d+ (\w+ )?(pessoas|amigos|contactos|contatos|personas)`),
	p(famForwardAll, 0.3, `(envie|envia|reencaminh\w*|reenvi\w*|partilh\w*|compart\w*|manda) (\w+ ){0,4}(para|a) (todos|todas) (\w+ ){0,3}(contactos|contatos|amigos|madres|maes|padres|pais|personas|pessoas|que conozcas|que conheces|que conhece)`),
	p(famForwardAll, 0.25, `cada partilha conta|cada vez que lo compartes|(partilhem|compartan) por favor|por favor (partilhem|compartan)`),
	p(famDeadline, 0.25, `(nas proximas|en las proximas|em|en) \d+ horas|antes da meia noite|antes de (la )?medianoche`),
	p(famLuck, 0.4, `(nao quebre|quebrar|rompes|no rompas|romper) (a|la) (corrente|cadena)|corrente da sorte|cadena de la suerte|mala suerte|ma sorte|se cumplira tu deseo|perdeu o emprego|grande surpresa`),
	p(famAuthority, 0.3, `(la )?policia (lo |o )?(ha|a|tem|foi) confirmad\w*|no sale en las noticias|nao (sai|aparece) nas noticias`),
	p(famNotHoax, 0.35, `nao e brincadeira|no es broma|de verdad funciona|funciona de verdade`),
	p(famAppeal, 0.3, `desaparec\w+ (\w+ ){0,15}(partilh\w*|reencaminh\w*|compart\w*|envia\w*|reenvia\w*)|a policia nao faz nada|la policia no hace nada`),
	p(famCopyPaste, 0.4, `(copie|copia) (e|y) (cole|pega)|no autorizo a facebook|nao autorizo (o )?facebook`),
	p(famThreat, 0.35, `(conta|cuenta) (sera|va a ser) (apagada|eliminada|bloqueada)|(vai|va a) cobrar|cobrara por|(logotipo|logo) (ficara|se pondra) azul`),
	p(famUrgency, 0.2, `podia ser o seu filho|podria ser tu (hija|hijo)`),
	// Lithuanian.
	p(famForwardN, 0.5, `persius\w* (\w+ ){0,4}\d+ (zmoniu|draugu|asmenu|zmonems)`),
	p(famForwardAll, 0.3, `persius\w* (\w+ ){0,3}visiems`),
	p(famDeadline, 0.25, `per \d+ (valandas|valandu|val|dienas|dienu|minutes|minuciu)|iki vidurnakcio`),
	p(famLuck, 0.4, `nenutrauk\w* grandin\w*|laimes grandine|neteko darbo`),
	p(famNotHoax, 0.35, `tai ne juokas`),
	p(famThreat, 0.35, `paskyra bus istrinta|bus mokamas|logotipas taps melynas`),
	// Somali.
	p(famForwardN, 0.5, `u dir\w* (\w+ ){0,3}\d+ (qof|dad|saaxiib)`),
	p(famForwardAll, 0.3, `u dir\w* (\w+ ){0,3}(dhammaan|dadka oo dhan|qof kasta)`),
	p(famDeadline, 0.25, `\d+ (maalmood|saacadood|saac|daqiiqo) gudahood|ka hor saqda dhexe`),
	p(famLuck, 0.35, `ha joojin|waayay shaqadiisii|war wanaagsan`),
	p(famNotHoax, 0.35, `ma aha kaftan`),
	p(famThreat, 0.35, `koontadaada (\w+ ){0,2}la tirtirayaa|lacag ayaa laga qaadayaa`),
}

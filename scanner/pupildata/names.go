package pupildata

import "strings"

// Given names, for a pupil named by first name alone ("Kacper in Year 5
// has been diagnosed ..."): the commonest first names of children in
// England and Wales (ONS baby-name lists) and of the communities whose
// languages UK pupils most speak after English (Polish, Romanian, Urdu,
// Punjabi, Bengali, Arabic, Somali, Portuguese, Lithuanian, Yoruba and
// Akan names). Words that are also ordinary English words in running
// text (May, Will, Hope, Summer) are left out. A name from this list
// counts only when a school place follows it ("in Year 5", "(9C)").
var givenNames = map[string]bool{}

func init() {
	for _, n := range strings.Fields(`
		oliver george harry noah jack leo arthur muhammad mohammed mohammad oscar charlie jacob thomas henry
		william alfie joshua freddie archie theo isaac teddy finley alexander james ethan max lucas logan
		daniel samuel edward joseph reggie tommy adam harrison benjamin sebastian mason elijah louie arlo
		tyler dylan jaxon jayden riley ronnie rory albert frankie hugo jude zachary elliot toby luca kai
		louis ryan harvey jenson ollie bobby jamie nathan callum connor liam kyle ben sam dan matthew luke
		aaron owen lewis cameron reece kieran jordan bradley declan caleb ezra otis rowan felix stanley
		olivia amelia isla ava mia ivy lily isabella rosie sophia grace freya florence willow evie poppy
		ella evelyn charlotte sienna emily elsie daisy phoebe sophie alice harper matilda ruby emilia
		maya millie isabelle eva luna ellie aria hallie chloe jessica erin layla mila violet lucy bonnie
		esme harriet imogen lottie thea margot hannah holly amber megan bethany lauren katie niamh abigail
		zara zoe leah eleanor molly scarlett sarah emma olivia jasmine tia kayla nevaeh ellie-mae lacey
		kacper jakub szymon filip antoni jan aleksander franciszek mikolaj wojciech kamil mateusz bartosz
		zuzanna julia zofia hanna maja lena alicja oliwia natalia wiktoria amelia nikola weronika kinga
		andrei alexandru david gabriel stefan mihai ionut darius eric luca vlad maria ioana elena andreea
		bianca alexia daria ana sofia irina teodora
		ibrahim yusuf ayaan zayn hamza ali omar ahmed hassan hussain usman bilal imran aryan arjun rohan
		ishaan vihaan krish harjit gurpreet manpreet jaspreet simran harleen amrit arman rayyan zain
		aisha fatima maryam zainab amira hafsa safa hana inaya anaya khadija aaliyah noor sana ayesha
		amina nadia iqra mehreen priya anika riya diya tanvir nusrat sumaiya tahmina farhana ruksana
		abdi abdullahi mohamed hodan fadumo sagal hamdi ifrah deeqa
		joao pedro tiago rafael miguel goncalo beatriz mariana leonor matilde
		lukas matas nojus emilija gabija austeja
		tobi tobiloba david chidi emeka kwame kofi kwabena ama akosua adwoa abena femi ayo tolu funmi
		chiamaka adaeze ngozi precious blessing favour deborah esther ruth
		reuben jacob noah nathaniel elias rhys dafydd cerys seren ffion carys megan
	`) {
		givenNames[n] = true
	}
}

// givenName reports whether a capitalised word (possibly possessive) is a
// listed given name.
func givenName(w string) bool {
	w = strings.TrimSuffix(strings.TrimSuffix(w, "'s"), "'")
	return givenNames[strings.ToLower(w)]
}

package chainmail

import (
	"fmt"
	"slices"
)

// hoaxPatterns are the English signals of hoaxes and fake appeals, the
// forms chain letters took once they moved to phones: a warning or an
// appeal that nobody can check ("confirmed by police", "a friend of my
// cousin is a nurse"), pushed with urgency ("don't scroll past"), sent to
// everyone ("every parent you know"), with a threat ("your account will
// be deleted") or in the copy-and-paste and "before midnight" forms.
// Written over textnorm's words: "don't" reads "don", "let's" reads "let",
// "97%" reads "97".
var hoaxPatterns = []pattern{
	// Forward to everyone, in the many ways people say it.
	p(famForwardAll, 0.3, `(forward|send|pass|share|copy|spread|tell|warn|post) (\w+ ){0,5}(to|with|in) (all|every|each|each of|everyone in|everybody in) (\w+ ){0,4}(you know|you love|you care about|contacts|contact list|address book|groups|chats|friends and family|on your list|in your phone)`),
	p(famForwardAll, 0.3, `(forward|send|pass|share|spread) (it |this |this message |this post |it on |this on )?(everywhere|far and wide|with everyone|to everyone|to everybody)`),
	p(famForwardAll, 0.3, `(share|spread|forward|send|pass) (\w+ ){0,4}(as much as|as widely as|as far as|as quickly as) (possible|you can)`),
	p(famForwardAll, 0.25, `(spread the word|share share share|every share (helps|counts|matters)|the more (people|shares) (\w+ ){0,3}(the quicker|the sooner|the better))`),
	p(famForwardAll, 0.25, `(tell|warn|inform) (all|everyone|everybody) (\w+ ){0,3}(you know|contacts|friends|family)`),
	p(famForwardAll, 0.3, `(forward|send|pass|share) (\w+ ){0,3}to (\w+ ){0,3}(entire|whole) (contact list|address book|list)`),
	p(famForwardAll, 0.25, `(forward|send|pass|share) (this|it|this message|this email) to (the people|those) you (love|care about)`),
	// Unverifiable authority.
	p(famAuthority, 0.35, `(confirmed|verified|checked) by (\w+ ){0,3}(police|doctors?|nhs|hospital|nurses?|bt|scotland yard|bbc|radio|news|government|experts?|scientists?|fbi|vet|lawyer)`),
	p(famAuthority, 0.35, `(police|doctors?|the nhs|the vet|a vet|the hospital|bbc|cnn|bt|scotland yard|general electric|the government|an it colleague) (\w+ ){0,2}(have |has |had )?(confirmed|confirm|verified|informed)`),
	p(famAuthority, 0.3, `(friend|sister|cousin|brother|colleague|neighbour|neighbor) of (a friend|my (\w+ ){0,2}(cousin|sister|friend|brother|mum|mom|colleague|neighbour|wife|husband))`),
	p(famAuthority, 0.3, `(police officer|policeman|police) friend|(friend|cousin|sister|brother|neighbour|mum|dad) (\w+ ){0,3}(works|worked) (\w+ ){0,2}(in|for|at) the (police|hospital|nhs)`),
	p(famAuthority, 0.3, `(his|her|their) (mum|mom|dad|mother|father|sister) is a (nurse|doctor|police officer)`),
	p(famAuthority, 0.3, `(it was|it is|it) on the (radio|news) (this morning|today|yesterday|last night)|(announced|said|reported) on (the )?(bbc |sky |local )?(radio|news) (this morning|today)`),
	p(famAuthority, 0.35, `(news|papers|media|tv|television|they) (won|will not|wont|don|do not|dont|doesn|does not) (\w+ ){0,2}(report|want to cause|talk about|tell you)|kept (out of|off) the news|not (on|in) the news because`),
	p(famAuthority, 0.3, `(100|a hundred|one hundred) (percent )?(true|real|genuine|legit)|(definitely|totally|honestly) (real|true|legit)|(is|it) true even if`),
	p(famAuthority, 0.3, `(happens|happening) (all over the country|all the time|every (week|month|day)) but`),
	p(famAuthority, 0.3, `(real|true|genuine|legit) not (a )?(scam|hoax|joke|fake)`),
	// Copy-and-paste forms and permission notices.
	p(famCopyPaste, 0.4, `copy (and|&|n)? ?(paste|post|repost) (\w+ ){0,6}(status|wall|profile|page|timeline|share|sharing|friends|groups|hour|feed|story)|(share|sharing) (\w+ ){0,4}copy (and|&|n)? ?(paste|post)|copy (this|the|it) (\w+ ){0,2}(and|&) (paste|post) (it )?(on|to|onto) (your|their|my)|(just )?copy (this|it) (to|on|onto) (your|their) (own )?(wall|page|profile|status|timeline)`),
	p(famCopyPaste, 0.35, `(do not|don|dont) (just )?(share|forward)(,)? (you will have to |you have to |just |please )?copy`),
	p(famCopyPaste, 0.35, `(leave|keep|post|put|paste) (this|it) (on|as|to) your (status|wall|page|profile) (for )?(at least )?(one|an|1|24) (hour|day)|(paste|copy|post) this (status|post) for (at least )?(one|an|1|24) (hour|day)|(must|has to|needs to) be copied`),
	p(famCopyPaste, 0.4, `(i|we) (do not|don|dont|hereby do not) (give|authori[sz]e|allow|consent|permit|grant) (\w+ ){0,2}(facebook|instagram|meta|whatsapp|tiktok|snapchat|messenger|any entities)`),
	p(famCopyPaste, 0.35, `(everything|all) (\w+ ){0,4}(posted|post|photos|pictures) (\w+ ){0,2}(becomes|will become|become|is becoming) public|strictly forbidden to disclose`),
	p(famCopyPaste, 0.35, `(hold|press) your finger (down )?on (this|the) message|friend request (\w+ ){0,8}(hacker|hacked|clon\w*)`),
	p(famCopyPaste, 0.3, `(share|forward|send|post|copy|do (this|it)|repost) (\w+ ){0,3}before midnight`),
	p(famCopyPaste, 0.35, `tacitly allowing|(ucc 1 308|rome statute|berne convention|berner convention|open capital entity)`),
	// Social pressure to pass it on.
	p(famPressure, 0.35, `\d+ (percent )?(of )?(people )?(won|will not|wont|don|do not|never) (copy|share|repost|pass|send|forward|read|post|bother)`),
	p(famPressure, 0.35, `(i know who will|let see who|i want to see (which|who)|let me see who) (\w+ ){0,3}(copy|share|read|repost|actually|really|do|does)|i know (some|who|which|many) (of you )?(will|would)`),
	p(famPressure, 0.3, `(but )?(my|only my|only) (true|real|best) friends will|i m one of the few|(i am|im) one of the few|(all members|everyone) must post`),
	// Threats if the message is not passed on.
	p(famThreat, 0.35, `(account|profile|number) (will|shall|is going to) (\w+ ){0,2}(be )?(deleted|deactivated|closed|suspended|removed|inactive|cancelled|blocked|invalid)`),
	p(famThreat, 0.35, `(whatsapp|facebook|instagram|messenger|snapchat|tiktok) (\w+ ){0,4}(start|begin|going) (to )?(charg|cost)\w*|(will|would) (\w+ ){0,2}(charge|cost) you|(logo|tick|icon) (will )?(turn|become|go) (blue|green|red|gold)`),
	p(famThreat, 0.3, `if you (delete|ignore|don|do not|dont) (\w+ ){0,3}(you have no heart|you are heartless)|(you have no heart|heartless)`),
	p(famThreat, 0.3, `(she|he|it|they) will (come|visit|appear) (to you|for you|at midnight|tonight)|(haunts|haunt) (people|anyone|you)|(at|by) the end of (his|her|your) bed`),
	p(famThreat, 0.3, `you will (be single|be alone|have problems|have bad|never)`),
	p(famThreat, 0.3, `(will|shall) (lose|loose) (all )?(your|their) (contacts|account|photos|chats)`),
	// Urgency: support, never a core sign on its own.
	p(famUrgency, 0.2, `(do not|don|dont|please don) (just )?(scroll (past|by|on)|ignore (this|it))`),
	p(famUrgency, 0.2, `(it )?(only )?takes (a|one|two|\d+) (second|seconds|minute)|it costs (you )?nothing`),
	p(famUrgency, 0.2, `(could|might|may) (save|be) (a|someone|someones|your) (life|lives|child|baby|kid|son|daughter)|it could (be|have been) (your|you)`),
	p(famUrgency, 0.2, `(no|not much) time (to lose|left)|before (it is|it|another child|anyone else) (too late|goes missing|gets hurt|gets)|better safe than sorry`),
	// Appeals nobody can check.
	p(famAppeal, 0.3, `(girl|boy|child|baby|teenager|son|daughter|toddler) (\w+ ){0,8}(has been |was |went |is |been )?(missing|taken|abducted|stolen|kidnapped|snatched)|(bring|get) (her|him|them) home`),
	p(famAppeal, 0.3, `(police|they) (are not|aren|is not|isn|not|re not) doing (enough|anything|nothing)|police (say|said|told) (\w+ ){0,4}nothing (they|we) can do|social media is the only`),
	p(famAppeal, 0.3, `(urgently |desperately )?(needs?|need) (a )?(\w+ ){0,3}(donor|blood|kidney|bone marrow|transplant) (\w+ ){0,4}(urgently|now|immediately|asap)|urgently needs (a )?(\w+ ){0,3}(donor|blood|kidney|bone marrow)`),
	p(famAppeal, 0.3, `(last|dying|final) wish|type amen|make a wish (people|foundation) (will|are)|(doctors|they) (say|said) (she|he) (only )?has (\w+ ){0,2}(weeks|days|months) (left|to live)`),
}

// withRequired returns base with, for each pattern of extra, the literals
// one of which every match holds added to its family's words. It panics on
// a pattern with none: it could never be found cheaply.
func withRequired(base [numWording][]string, extra []pattern) [numWording][]string {
	var out [numWording][]string
	for f := range base {
		out[f] = slices.Clone(base[f])
	}
	for _, pt := range extra {
		if pt.req == nil {
			panic(fmt.Sprintf("chainmail: pattern %q holds no required literal", pt.re))
		}
		for _, l := range pt.req {
			if w := string(l); !slices.Contains(out[pt.fam], w) {
				out[pt.fam] = append(out[pt.fam], w)
			}
		}
	}
	return out
}

/**
 * Text corpus for the seed generator: people, organisations and sentences in
 * several scripts. Only reserved domains are used (*.test, *.example,
 * example.com/org/net) so nothing here can reach a real mailbox.
 */

export type Lang = 'en' | 'fr' | 'de' | 'es' | 'pl' | 'ru' | 'el' | 'ja' | 'zh' | 'ko' | 'ar' | 'he';

export interface Person {
  name: string;
  address: string;
  lang: Lang;
  /** UTC offset in minutes used for the Date header of their mail. */
  tz: number;
  /** Local colleague (same domain as the user). */
  colleague?: boolean;
}

export const LOCAL_DOMAIN = 'westwind.test';

export const COLLEAGUES: Person[] = [
  { name: 'Alice Nakamura', address: 'alice@westwind.test', lang: 'en', tz: 60, colleague: true },
  { name: 'Bob Okafor', address: 'bob@westwind.test', lang: 'en', tz: 0, colleague: true },
  { name: 'Carol Díaz', address: 'carol@westwind.test', lang: 'es', tz: 60, colleague: true },
];

export const CONTACTS: Person[] = [
  { name: 'Maya Patel', address: 'maya.patel@example.com', lang: 'en', tz: -300 },
  { name: 'Jonas Berg', address: 'jonas@nordlys.example', lang: 'en', tz: 60 },
  { name: 'Priya Raman', address: 'priya.raman@example.org', lang: 'en', tz: 330 },
  { name: "Tom O'Neill", address: 'tom.oneill@example.net', lang: 'en', tz: 0 },
  { name: 'Smith, Jordan', address: 'jordan.smith@contoso.example', lang: 'en', tz: -480 },
  { name: 'Sam Lee (Support)', address: 'support@helpdesk.example', lang: 'en', tz: -420 },
  { name: 'Élodie Fournier', address: 'elodie.fournier@example.fr.test', lang: 'fr', tz: 60 },
  { name: 'François Lefèvre', address: 'f.lefevre@atelier.example', lang: 'fr', tz: 60 },
  { name: 'Jürgen Müller-Lüdenscheidt', address: 'j.mueller@firma.example', lang: 'de', tz: 60 },
  { name: 'Zoë Schäfer', address: 'zoe@example.de.test', lang: 'de', tz: 60 },
  { name: 'José Ángel Peña', address: 'jose.pena@empresa.example', lang: 'es', tz: -360 },
  { name: 'Łukasz Wróbel', address: 'lukasz.wrobel@example.pl.test', lang: 'pl', tz: 60 },
  { name: 'Анна Смирнова', address: 'anna.smirnova@example.ru.test', lang: 'ru', tz: 180 },
  { name: 'Дмитрий Волков', address: 'd.volkov@kontora.example', lang: 'ru', tz: 180 },
  { name: 'Γιώργος Παπαδόπουλος', address: 'giorgos@example.gr.test', lang: 'el', tz: 120 },
  { name: '山田 太郎', address: 'taro.yamada@example.jp.test', lang: 'ja', tz: 540 },
  { name: '佐藤 花子', address: 'hanako.sato@kaisha.example', lang: 'ja', tz: 540 },
  { name: '王小明', address: 'xiaoming.wang@example.cn.test', lang: 'zh', tz: 480 },
  { name: '김민준', address: 'minjun.kim@example.kr.test', lang: 'ko', tz: 540 },
  { name: 'ليلى حداد', address: 'layla.haddad@example.ae.test', lang: 'ar', tz: 240 },
  { name: 'נועה כהן', address: 'noa.cohen@example.il.test', lang: 'he', tz: 120 },
  { name: 'Pat 🌻 Rivera', address: 'pat.rivera@example.com', lang: 'en', tz: -240 },
  { name: 'Renée “Ren” Dubois', address: 'ren@studio.example', lang: 'fr', tz: 60 },
];

export const SUBJECTS: Record<Lang, string[]> = {
  en: [
    'Quarterly planning notes',
    "Can we move Thursday's sync?",
    'Draft proposal for the API redesign',
    'Budget review — numbers attached',
    'Quick question about the release',
    'Lunch next week?',
    'Notes from the customer call',
    'Invoice #{n} for October',
    'Feedback on the onboarding flow',
    'Re-org of the shared drive',
    'Travel plans for the offsite',
    'Contract renewal',
    'Photos from the weekend',
    'Security review follow-up',
    'Intro: you two should talk',
    'Updated timeline for launch',
    'Hiring loop for the frontend role',
    'Design tokens and colour palette',
    'Your thoughts on the new logo?',
    'Meeting recap & action items',
  ],
  fr: [
    'Réunion de demain',
    'Compte rendu de la réunion',
    'Facture n° {n} — échéance',
    'Café la semaine prochaine ?',
    'Présentation à réviser',
    'Congés d’été',
  ],
  de: [
    'Besprechung am Donnerstag',
    'Angebot für das Projekt',
    'Rückfrage zur Rechnung',
    'Grüße aus München',
    'Änderungen am Vertrag',
  ],
  es: [
    'Reunión del lunes',
    'Propuesta de diseño',
    'Fotos de la excursión',
    '¿Comemos el jueves?',
    'Presupuesto revisado',
  ],
  pl: ['Spotkanie w przyszłym tygodniu', 'Zażółć gęślą jaźń — test', 'Propozycja współpracy'],
  ru: [
    'Встреча в четверг',
    'Отчёт за квартал',
    'Вопрос по договору',
    'Привет из Москвы',
    'Планы на следующую неделю',
  ],
  el: ['Συνάντηση την Τρίτη', 'Προσφορά για το έργο', 'Καλημέρα από την Αθήνα'],
  ja: ['会議の議事録', '来週の打ち合わせについて', '見積書の送付', 'お疲れ様です', '出張の件'],
  zh: ['项目进度更新', '下周会议安排', '关于合同的问题', '季度报告'],
  ko: ['회의 일정 안내', '프로젝트 진행 상황', '견적서 송부'],
  ar: ['اجتماع يوم الأحد', 'تقرير المشروع', 'تحية طيبة'],
  he: ['פגישה ביום שני', 'עדכון על הפרויקט'],
};

export const SENTENCES: Record<Lang, string[]> = {
  en: [
    'Thanks for sending this over so quickly.',
    'I had a look at the draft and left a few comments inline.',
    'Can we push the deadline to the end of next week?',
    'The numbers look reasonable, but the second quarter seems optimistic.',
    'Let me know if you need anything else from my side.',
    'I think we should loop in the design team before we commit to this.',
    'The build is green again after the dependency update.',
    'We agreed to ship the smaller version first and iterate from there.',
    'Could you double-check the figures in the appendix?',
    "I'm out of office on Friday, but reachable by phone.",
    'The customer asked whether the export can include archived items.',
    'Attached is the latest version with the changes we discussed.',
    'I moved the meeting to 3 pm so everyone can join.',
    'Happy to jump on a call if that is easier.',
    'We still need a decision on the naming before Monday.',
    'The staging server will be down for maintenance tonight.',
    'Great work on the demo yesterday, people loved it.',
    "I'm not sure the current approach scales beyond a few thousand users.",
    "Let's keep the scope tight and revisit after launch.",
    'Please review the pull request when you get a chance.',
    'The vendor confirmed delivery for the 14th.',
    'Here is a summary of what we decided in the workshop.',
    'I would prefer option B, mostly because it is easier to test.',
    'Sorry for the late reply, this week has been hectic.',
    'Does anyone have the slides from the kickoff?',
    'I booked the big room on the third floor.',
    'The invoice has been paid, you should see it by Wednesday.',
    'We found the root cause: a race between the cache refresh and the write path.',
    'Latency dropped from 180 ms to about 40 ms after the change.',
    "Let's talk about the roadmap at the next one-on-one.",
    'The contract draft is with legal, they promised feedback by Thursday.',
    'I added a section on accessibility and keyboard shortcuts.',
    'Could you forward this to whoever owns the billing service?',
    'No rush on this, whenever you have a moment.',
    'The photos are in the shared album, I picked my favourites.',
    'See you at the offsite!',
  ],
  fr: [
    'Merci beaucoup pour ton retour rapide.',
    'Je te propose de décaler la réunion à jeudi après-midi.',
    'Ci-joint la présentation mise à jour, avec les remarques d’Élodie.',
    'Est-ce que le budget a été validé par la direction ?',
    'À très bientôt, et bonne fin de semaine !',
    'Le café de la gare est fermé le lundi, on se retrouve ailleurs ?',
    'J’ai relu le compte rendu : quelques coquilles, rien de grave.',
    'Nous avons reçu la facture, le paiement sera effectué sous 30 jours.',
  ],
  de: [
    'Vielen Dank für die schnelle Rückmeldung.',
    'Können wir das Gespräch auf nächste Woche verschieben?',
    'Im Anhang findest du das überarbeitete Angebot.',
    'Die Änderungen sind größtenteils übernommen worden.',
    'Schöne Grüße aus dem Büro in München.',
    'Bitte prüfe noch einmal die Beträge in der Übersicht.',
    'Straße, Größe und Maß – alles mit ß und Umlauten: äöü ÄÖÜ.',
  ],
  es: [
    'Muchas gracias por la información.',
    '¿Podemos mover la reunión al miércoles por la mañana?',
    'Te adjunto la propuesta con los cambios que comentamos.',
    'El señor Núñez confirmó la fecha de entrega.',
    'Nos vemos pronto, ¡un abrazo!',
    'La cigüeña tocaba el saxofón detrás del palenque de paja.',
  ],
  pl: [
    'Dziękuję za szybką odpowiedź.',
    'Czy możemy przełożyć spotkanie na piątek?',
    'W załączniku przesyłam poprawioną wersję dokumentu.',
    'Zażółć gęślą jaźń.',
  ],
  ru: [
    'Спасибо за быстрый ответ.',
    'Можем ли мы перенести встречу на пятницу?',
    'Во вложении обновлённая версия документа.',
    'Съешь же ещё этих мягких французских булок, да выпей чаю.',
    'Отчёт будет готов к концу недели.',
    'С уважением и наилучшими пожеланиями.',
  ],
  el: [
    'Ευχαριστώ πολύ για την άμεση απάντηση.',
    'Μπορούμε να μεταφέρουμε τη συνάντηση την Πέμπτη;',
    'Σας επισυνάπτω την ενημερωμένη προσφορά.',
    'Ξεσκεπάζω την ψυχοφθόρα βδελυγμία.',
  ],
  ja: [
    'いつもお世話になっております。',
    '来週の打ち合わせの日程を調整させてください。',
    '見積書を添付いたしますので、ご確認ください。',
    'ご不明な点がございましたら、お気軽にお問い合わせください。',
    '何卒よろしくお願い申し上げます。',
    '会議室は三階の大会議室を予約しました。',
  ],
  zh: [
    '感谢您的及时回复。',
    '我们能否把会议改到下周三？',
    '附件是更新后的项目计划，请查收。',
    '如有任何问题，请随时与我联系。',
    '祝工作顺利！',
  ],
  ko: [
    '빠른 답변 감사합니다.',
    '회의를 다음 주로 미룰 수 있을까요?',
    '첨부 파일을 확인해 주세요.',
    '좋은 하루 보내세요.',
  ],
  ar: [
    'شكراً جزيلاً على ردك السريع.',
    'هل يمكننا تأجيل الاجتماع إلى يوم الخميس؟',
    'مرفق التقرير المحدث.',
    'مع أطيب التحيات.',
  ],
  he: ['תודה רבה על התשובה המהירה.', 'האם אפשר לדחות את הפגישה ליום חמישי?', 'מצורף הקובץ המעודכן.'],
};

/** Newsletter copy (bulk mail reads differently from person-to-person mail). */
export const PROMO_SENTENCES: Partial<Record<Lang, string[]>> = {
  en: [
    'Our biggest sale of the season starts today.',
    'Free shipping on every order over $50 this weekend only.',
    'Here are the five stories our readers loved most this week.',
    'New in the shop: lightweight jackets, trail shoes and more.',
    'Members get early access — sign in to see your price.',
    'We rounded up the best tools for faster front-end builds.',
    'A quick look at what changed in the latest browser releases.',
    'Thanks for being part of our community for another year!',
    'Limited stock: once it is gone, it is gone.',
    'Tell us what you think and get 10% off your next order.',
  ],
  fr: [
    'Découvrez notre sélection de cafés de saison.',
    'Livraison offerte dès 30 € d’achat, ce week-end seulement.',
    'Nos torréfacteurs ont choisi pour vous trois nouvelles origines.',
    'Merci de votre fidélité : une surprise vous attend en boutique.',
    'Profitez de −20 % sur toute la gamme jusqu’à dimanche.',
  ],
  ru: [
    'Новинки месяца уже в продаже.',
    'Скидка 15 % для участников клуба до конца недели.',
    'Мы подобрали для вас лучшие книги осени.',
    'Спасибо, что читаете вместе с нами!',
  ],
};

export const GREETINGS: Record<Lang, (first: string) => string> = {
  en: (n) => `Hi ${n},`,
  fr: (n) => `Bonjour ${n},`,
  de: (n) => `Hallo ${n},`,
  es: (n) => `Hola ${n}:`,
  pl: (n) => `Cześć ${n},`,
  ru: (n) => `Здравствуйте, ${n}!`,
  el: (n) => `Γεια σου ${n},`,
  ja: (n) => `${n}様`,
  zh: (n) => `${n}，您好：`,
  ko: (n) => `${n}님, 안녕하세요.`,
  ar: (n) => `مرحباً ${n}،`,
  he: (n) => `שלום ${n},`,
};

export const SIGNOFFS: Record<Lang, string[]> = {
  en: ['Best,', 'Thanks,', 'Cheers,', 'Kind regards,', 'Talk soon,'],
  fr: ['Bien à toi,', 'Cordialement,', 'Bonne journée,'],
  de: ['Viele Grüße', 'Beste Grüße', 'Schöne Grüße'],
  es: ['Saludos,', 'Un abrazo,'],
  pl: ['Pozdrawiam,'],
  ru: ['С уважением,', 'Всего доброго,'],
  el: ['Με εκτίμηση,', 'Φιλικά,'],
  ja: ['よろしくお願いいたします。'],
  zh: ['此致敬礼'],
  ko: ['감사합니다.'],
  ar: ['مع التحية،'],
  he: ['בברכה,'],
};

export interface MailingList {
  id: string;
  name: string;
  post: string;
  subjectTag: string;
  members: Person[];
}

export const LISTS: MailingList[] = [
  {
    id: 'dev.lists.westwind.test',
    name: 'Westwind developers',
    post: 'dev@lists.westwind.test',
    subjectTag: '[westwind-dev]',
    members: [],
  },
  {
    id: 'announce.lists.example.org',
    name: 'Example Project announcements',
    post: 'announce@lists.example.org',
    subjectTag: '[announce]',
    members: [],
  },
  {
    id: 'users.lists.mailstack.example',
    name: 'Mailstack users',
    post: 'users@lists.mailstack.example',
    subjectTag: '[mailstack-users]',
    members: [],
  },
];

export const LIST_TOPICS = [
  'RFC: move the sync state into its own module',
  'Flaky integration test on CI (IDLE timeout)',
  'Release 0.{n} is out',
  'Proposal: keyboard shortcut map',
  'How do I configure QRESYNC with Dovecot?',
  'Memory usage with 2,000 idle sessions',
  'Patch: fix folding of long Subject headers',
  'Thread view: should Sent mail be included?',
  'Heads-up: Node 20 end of life',
  'Question about CONDSTORE and HIGHESTMODSEQ',
  'Ünïcödé in folder names — bug or feature?',
  'Вопрос о кодировке заголовков',
  '日本語の件名が文字化けする',
];

export interface Newsletter {
  name: string;
  from: string;
  listId: string;
  domain: string;
  subjects: string[];
}

export const NEWSLETTERS: Newsletter[] = [
  {
    name: 'The Weekly Byte',
    from: 'newsletter@weeklybyte.example',
    listId: 'weekly.weeklybyte.example',
    domain: 'weeklybyte.example',
    subjects: [
      'This week: faster builds, smaller bundles',
      "Issue #{n}: what's new in web platform land",
      'Your weekly digest ☕',
    ],
  },
  {
    name: 'Café Lumière',
    from: 'bonjour@cafe-lumiere.example',
    listId: 'promo.cafe-lumiere.example',
    domain: 'cafe-lumiere.example',
    subjects: ['Nouveautés de la saison 🍂', '−20 % sur les grains d’Éthiopie', 'Votre carte de fidélité ☕'],
  },
  {
    name: 'Trailhead Outdoor',
    from: 'deals@trailhead.example',
    listId: 'deals.trailhead.example',
    domain: 'trailhead.example',
    subjects: ['⛰️ Weekend sale: up to 40% off', 'New arrivals for the season', 'Your gear checklist 🎒'],
  },
  {
    name: 'Книжный клуб',
    from: 'club@knigi.example',
    listId: 'club.knigi.example',
    domain: 'knigi.example',
    subjects: ['Новинки месяца 📚', 'Скидки для участников клуба'],
  },
];

export const NOTIFIERS = [
  { name: 'CI Bot 🤖', address: 'ci@builds.westwind.test', kind: 'ci' },
  { name: 'Calendar', address: 'calendar-noreply@westwind.test', kind: 'calendar' },
  { name: 'Code Review', address: 'notifications@review.example', kind: 'review' },
  { name: 'Cloud Billing', address: 'billing@cloud.example', kind: 'billing' },
  { name: 'Security Alerts', address: 'no-reply@accounts.example', kind: 'security' },
] as const;

export const SPAM = [
  {
    name: 'Prize Department',
    address: 'winner@lucky-prize.example',
    subject: 'You have WON a €1,000,000 prize!!!',
  },
  {
    name: 'Account Team',
    address: 'verify@secure-login.example',
    subject: 'Urgent: verify your mailbox now',
  },
  { name: 'Ｐｈａｒｍａｃｙ', address: 'sales@cheap-meds.example', subject: 'Ｂｅｓｔ ｐｒｉｃｅｓ 💊💊💊' },
  {
    name: 'Крипто Инвест',
    address: 'invest@crypto-x.example',
    subject: 'Доход 300% в месяц — гарантировано!',
  },
  {
    name: 'Delivery Service',
    address: 'track@parcel-notice.example',
    subject: 'Your parcel is waiting: confirm address',
  },
];

export const RECEIPT_SHOPS = [
  { name: 'Boulangerie Étoile', address: 'factures@boulangerie-etoile.example', lang: 'fr' as Lang },
  { name: 'Librairie du Quai', address: 'commandes@librairie-quai.example', lang: 'fr' as Lang },
  { name: 'SNCF Voyages (test)', address: 'confirmation@voyages.example', lang: 'fr' as Lang },
];

export const TRAVEL = [
  { name: 'JR 東日本 予約センター', address: 'yoyaku@rail.jp.test', lang: 'ja' as Lang },
  { name: 'Hotel Sakura 京都', address: 'reservations@hotel-sakura.example', lang: 'ja' as Lang },
  { name: 'SkyHigh Airlines', address: 'itinerary@skyhigh.example', lang: 'en' as Lang },
];

/** Names for attachments, including non-ASCII and long ones (RFC 2231 continuations). */
export const FILE_NAMES = {
  pdf: [
    'report.pdf',
    'Q3-summary.pdf',
    'Rechnung_Änderung_2026.pdf',
    'Facture n°{n}.pdf',
    'отчёт-за-квартал.pdf',
    '見積書_2026年度.pdf',
    'contract draft (v3) FINAL final.pdf',
    'A very long document name that needs RFC 2231 continuations — résumé annexe 2026.pdf',
  ],
  png: ['screenshot.png', 'diagram.png', 'Bildschirmfoto 2026-03-14 um 10.12.04.png', '架构图.png'],
  jpg: ['IMG_2041.jpg', 'photo.jpg', 'Φωτογραφία.jpg', 'été-à-la-plage.jpg'],
  docx: ['notes.docx', 'Protokoll_Besprechung.docx', 'предложение.docx'],
  xlsx: ['budget.xlsx', 'Umsätze 2026.xlsx', '売上データ.xlsx'],
  csv: ['export.csv', 'données.csv'],
};

export function firstName(p: { name?: string; address: string }): string {
  const name = p.name ?? '';
  if (!name) return p.address.split('@')[0]!;
  if (/[\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]/.test(name)) return name.split(' ')[0]!;
  if (name.includes(',')) return name.split(',')[1]!.trim();
  return name.split(' ')[0]!;
}

# L'interface web en français.

## Le cadre de chaque page
skip-to-content = Aller au contenu
nav-label = Menu principal
nav-needs-me = À traiter
nav-review-queue = File d'examen
nav-administration = Administration
nav-cases = Dossiers
nav-my-cases = Mes dossiers
nav-reports = Rapports
nav-open-case = Ouvrir un dossier
nav-approvals = Approbations
nav-admin-log = Journal administratif
nav-holidays = Jours fériés
nav-workflows = Procédures
nav-settings = Mes réglages
nav-count-needs = { $n ->
    [one] un élément vous attend
   *[other] { $n } éléments vous attendent
}
nav-count-decisions = { $n ->
    [one] une demande à trancher
   *[other] { $n } demandes à trancher
}
sign-out = Se déconnecter
role-focal-point = point focal
role-head-of-delegation = chef de délégation
role-eusr = bureau du RSUE
role-admin = administrateur
role-hq = analyste au siège
role-system = système

## Se connecter
sign-in-title = Se connecter
sign-in-kept = Votre session a pris fin avant l'envoi de votre formulaire. Ce que vous avez saisi est conservé, chiffré, pendant 12 heures : reconnectez-vous pour le retrouver et l'envoyer.
sign-in-token = Jeton d'API
sign-in-token-hint = Le jeton que votre administrateur vous a remis (vigil users add l'affiche une seule fois). Vous restez connecté sur ce navigateur jusqu'à 12 heures ; 30 minutes sans activité mettent fin à la session.
sign-in-button = Se connecter
sign-in-link-heading = Ou recevoir un lien de connexion par courriel
sign-in-email = Votre adresse électronique
sign-in-link-hint = Le lien fonctionne une fois, pendant 15 minutes.
sign-in-link-button = M'envoyer un lien
sign-in-refused = Ce jeton n'est pas valide, a expiré ou a été révoqué.
sign-in-too-many = Trop de tentatives échouées depuis ce poste. Réessayez dans { $n ->
    [one] une minute
   *[other] { $n } minutes
}.
sign-in-links-off = Les liens de connexion ne sont pas disponibles ici ; connectez-vous avec votre jeton d'API.
sign-in-links-too-many = Trop de liens de connexion ont été demandés. Réessayez dans { $n ->
    [one] une minute
   *[other] { $n } minutes
}.
sign-in-link-spent = Ce lien de connexion a expiré ou a déjà servi. Demandez-en un autre ci-dessous.

## À traiter
needs-title = À traiter
needs-hint = Ce qui vous attend, ce qui est en retard et ce qui arrive à échéance dans les { $n } prochains jours, dans vos dossiers et ceux de votre délégation. Établi à partir des procédures et des rappels ; aucun dossier n'est ouvert pour cela.
needs-waiting = En attente de votre part
needs-waiting-none = Rien n'attend votre action.
needs-taken = Pris en charge par vous
needs-taken-none = Vous n'avez pris en charge aucun élément de la file d'examen.
needs-overdue = En retard
needs-overdue-none = Rien n'est en retard.
needs-soon = Échéances proches
needs-soon-none = Rien n'arrive à échéance dans les prochains jours.
needs-awaits = Attend votre action
# Shared by Needs me and the case list.
since = depuis le { $when }
col-case = Dossier
col-procedure = Procédure
col-step = Étape
col-what = Objet
col-when = Quand

## Risques et thèmes
risk-low = Faible
risk-medium = Moyen
risk-high = Élevé
risk-critical = Critique
theme-WHRD = Femmes défenseures des droits humains
theme-ENV_LAND = Environnement et terres
theme-INDIGENOUS = Peuples autochtones
theme-MEDIA = Journalistes et médias
theme-LGBTI = Personnes LGBTI
theme-LABOUR = Travail et syndicats
theme-LAWYERS = Avocats et juges
theme-CHILD = Droits de l'enfant
theme-MINORITY_FORB = Minorités, liberté de religion ou de conviction
theme-DISABILITY = Personnes handicapées
theme-ESCR = Droits économiques, sociaux et culturels
theme-ANTI_CORRUPTION = Lutte contre la corruption
theme-DEMOCRACY = Démocratie et élections
theme-DIGITAL = Droits numériques
theme-TORTURE_DP = Torture et privation de liberté
theme-MIGRANTS = Migrants et réfugiés
theme-OTHER = Autre

## La liste des dossiers
list-search-label = Trouver un dossier par sa référence ou le nom du défenseur
list-search-button = Trouver
list-search-hint = Un nom est trouvé quelle qu'en soit la graphie (majuscules, accents, ordre des mots) ; chaque dossier trouvé est inscrit dans son journal d'accès.
list-found = { $n ->
    [0] Aucun dossier trouvé.
    [one] Un dossier trouvé.
   *[other] { $n } dossiers trouvés.
}
list-back = Retour à la liste
list-filters = Filtres
list-whose = Dossiers de
list-whose-mine = Moi
list-whose-all = Ma délégation
list-procedure = Procédure
list-step = Étape
list-risk = Risque
list-theme = Thème
list-country = Pays
list-order = Ordre
list-newest = Les plus récents d'abord
list-next-due = Prochaine échéance d'abord
list-overdue-only = En retard seulement
list-filter = Filtrer
list-any = Tous
list-none = Aucun dossier ne correspond.
list-caption-newest = Dossiers, les plus récents d'abord
list-caption-due = Dossiers, prochaine échéance d'abord
list-defender = Défenseur
list-themes = Thèmes
list-open-procedures = Procédures en cours
list-next-due-col = Prochaine échéance
list-opened = Ouvert le
list-overdue = En retard
list-names-hint = Chaque dossier listé avec le nom de son défenseur est inscrit dans son journal d'accès.
list-next-page = Page suivante

## Un dossier
case-title = Dossier { $reference }
case-risk-low = risque faible
case-risk-medium = risque moyen
case-risk-high = risque élevé
case-risk-critical = risque critique
case-go-to-form = Aller au formulaire
case-duplicates = Doublons possibles dans votre délégation (même nom de défenseur) :
case-country = Pays
case-themes = Thèmes
case-owner = Responsable
case-owner-you = vous
case-owner-colleague = un collègue
case-opened = Ouvert le
case-updated = Dernière modification
case-who = Qui et quoi
case-sealed-hint = Chiffré avec age ; cette lecture est inscrite dans le journal d'accès du dossier.
case-edit = Modifier le dossier
case-closed-reviews = Les données confidentielles du dossier ne vous sont pas montrées : ses examens sont clos.
case-in-queue = Dans la file { $queue }
case-procedure-closed = Cette procédure est close.
case-no-action = Aucune action ne vous revient à cette étape.
case-actions = Ce que vous pouvez faire maintenant
case-usual = étape suivante habituelle
case-starts = lance { $workflow }
case-required = obligatoire
case-plain = en clair
case-choose = Choisir…
case-graph = { $workflow } : l'étape en cours est marquée.
case-files = Pièces
case-no-files = Aucun fichier joint.
case-files-caption = L'empreinte SHA-256 de chaque fichier a été enregistrée à son arrivée ; chaque téléchargement est vérifié par rapport à elle.
case-file = Fichier
case-size = Taille
case-type = Type
case-belongs = Rattaché à
case-added = Ajouté
case-the-case = Le dossier
case-by = par { $who }
case-file-hint = { $size } au plus. Chiffré avec age dès son arrivée ; son empreinte SHA-256 est enregistrée.
case-attach = Joindre le fichier
case-start-heading = Lancer une autre procédure
case-start = Lancer
case-coming-up = À venir
case-nothing-scheduled = Rien de prévu.
case-overdue = en retard
case-timer = Minuterie
case-reminder = Rappel
case-due-what = { $kind } : { $what }
case-timeline = Historique
case-vigil = Vigil
case-done = Fait : { $action }.
case-attached = { $file } joint (SHA-256 { $sha256 }).
case-not-attached = Le fichier n'a pas été joint : { $why }.
case-file-too-large = le fichier dépasse les { $limit } octets permis
case-files-quota = les fichiers du dossier peuvent occuper { $quota } octets en tout, et celui-ci les dépasserait
case-uploads-busy = trop de fichiers arrivent en même temps ; réessayez dans un instant
case-look-again = Certains champs sont à revoir.
case-changed-meanwhile = Quelqu'un a modifié cette procédure depuis l'ouverture de la page. Elle est affichée telle qu'elle est maintenant ; ce que vous avez saisi est conservé.
case-refused = Refusé : { $why }.
refusal-closed = la procédure est close ({ $state })
refusal-unknown-action = cette procédure n'a pas cette action
refusal-not-from-state = « { $action } » ne peut pas être fait à l'étape « { $state } »
refusal-role = « { $action } » revient à : { $roles }
refusal-unknown-workflow = « { $action } » ouvre une procédure que Vigil ne connaît pas
case-kept = Votre session a pris fin avant l'envoi. Ce que vous avez saisi est conservé ci-dessous : vérifiez-le et envoyez-le à nouveau.
case-unplaced = Cette étape a avancé entre-temps : son formulaire n'est plus là. Ce que vous aviez saisi :

## Ce qu'un dossier contient sur la personne
conf-defender_name = Nom du défenseur
conf-organisation = Organisation
conf-location = Où il ou elle se trouve
conf-contact = Comment le ou la joindre en sécurité
conf-narrative = Ce qui s'est passé

## La file d'examen du RSUE
queue-title = File d'examen du RSUE
queue-hint = Procédures transmises, les plus urgentes d'abord, puis celles qui attendent depuis le plus longtemps : d'abord ce qui attend le bureau, puis ce qui attend une délégation (des informations lui ont été demandées). Ouvrir un dossier est inscrit dans son journal d'accès.
queue-delegation = Délégation
queue-any-risk = (tous)
queue-any-delegation = (toutes)
queue-show = Afficher
queue-ours = En attente du bureau du RSUE
queue-ours-none = Rien n'attend le bureau.
queue-theirs = En attente de la délégation
queue-theirs-none = Rien n'attend une délégation.
queue-waiting = En attente
queue-taken-by = Pris en charge par
queue-take = Prendre en charge
queue-give-back = Rendre
queue-claim = { $who }, depuis le { $when }
queue-hours = { $n } h, depuis le { $when }
queue-days = { $n } jours, depuis le { $when }

## Shared words
yes = Oui
no = Non

## Opening and editing a case
form-open-title = Ouvrir un dossier
form-edit-title = Modifier le dossier { $reference }
form-about = À propos du dossier
form-about-hint = (métadonnées en clair, pour les listes et les statistiques)
form-country-hint = Deux lettres (ISO 3166-1), par exemple KE.
form-first-procedure = Première procédure
form-who = Qui et quoi
form-who-hint = (scellé avec age : seules les personnes autorisées à lire le dossier le voient, et chaque lecture est enregistrée)
form-save = Enregistrer les modifications
form-open = Ouvrir le dossier
form-cancel = Annuler
form-stale = Quelqu'un a modifié ce dossier depuis que vous avez ouvert le formulaire. Vos saisies sont conservées ; enregistrer à nouveau remplace ses modifications par les vôtres : comparez d'abord avec le dossier.

## One-time links
link-hint = Connectez-vous avec le lien reçu par courriel. Il ne sert qu'une fois.
link-sent-title = Consultez vos courriels
link-sent = Si cette adresse est celle d'un utilisateur de Vigil, un lien de connexion est en route. Il sert une fois, pendant { $n } minutes.
link-back = Retour à la connexion
token-title = Votre jeton d'API
token-hint = Un administrateur a demandé un jeton d'API pour vous. Appuyez sur le bouton pour le voir : il s'affiche une seule fois, puis le lien cesse de fonctionner.
token-show = Afficher mon jeton
token-shown = Votre jeton, valable jusqu'au { $until }. Il s'affiche maintenant et plus jamais, à vous seul : gardez-le là où vous seul pouvez le lire. Connectez-vous avec, ou envoyez-le à l'API comme
token-shown-end = .

## Approvals
approvals-title = Approbations
approvals-hint = Certains changements demandent deux personnes : qui en demande un ne peut jamais le décider, ni la personne concernée. La cheffe ou le chef de délégation décide des droits des points focaux de sa délégation ; un autre administrateur décide de tout le reste, et des points focaux d'une délégation encore sans chef.
approvals-grants = Droits
approvals-no-grant = Aucun droit n'attend de décision.
approvals-who = Qui
approvals-what = Quoi
approvals-role = Rôle
approvals-asked-by = Demandé par
approvals-when = Quand
approvals-decision = Décision
approvals-approve = Approuver
approvals-refuse = Refuser
approvals-approve-label = Approuver { $what } pour { $who }
approvals-refuse-label = Refuser { $what } pour { $who }
approvals-waiting-for = en attente de { $who }
approvals-erasures = Effacements
approvals-no-erasure = Aucun effacement n'attend d'approbation.
approvals-reason = Motif
approvals-action = Action
approvals-waiting-admin = en attente d'un autre administrateur
approvals-erase = Approuver et effacer
approvals-erase-label = Approuver l'effacement de { $reference }
approvals-done-approved = Le droit est approuvé et en vigueur. Les personnes concernées ont reçu un courriel.
approvals-done-invited = Le droit est approuvé. Le nouvel utilisateur a reçu par courriel un lien à usage unique vers son jeton, que personne d'autre ne voit.
approvals-done-refused = Le droit est refusé ; rien n'a changé.
approvals-done-erased = Le dossier est effacé : seule sa trace demeure.
approvals-approved-but = Le droit est approuvé, mais { $why }.

## Holidays
holidays-title = Jours fériés
holidays-of = Jours fériés de { $delegation }
holidays-hint = Les jours fériés sont chômés, comme le week-end : les délais et rappels en jours ouvrés les sautent, et un rappel qui tombe un jour férié attend le matin ouvré suivant. Un changement vaut pour ce qui est planifié ensuite ; ce qui est déjà planifié garde son heure.
holidays-none = Aucun jour férié n'est défini.
holidays-caption = Jours fériés, par date
holidays-date = Date
holidays-holiday = Jour férié
holidays-remove = Retirer
holidays-remove-label = Retirer { $name }, { $date }
holidays-add-heading = Ajouter un jour férié
holidays-name = Nom
holidays-add = Ajouter
holidays-import-heading = Importer un calendrier
holidays-file = Fichier iCalendar (.ics)
holidays-file-hint = Les jours de chaque événement, d'un an en arrière à cinq ans en avant ; les événements annuels se répètent. Une date déjà fériée prend le nom du fichier. 1 Mio au plus.
holidays-import = Importer
holidays-saved = Enregistré : { $added } ajoutés, { $renamed } renommés, { $removed } retirés.
holidays-moved = { $moved ->
    [one] Un rappel ou un délai déjà programmé tombe désormais à un autre moment.
   *[other] { $moved } rappels et délais déjà programmés tombent désormais à un autre moment.
}
holidays-no-delegation = Cette délégation n'existe pas.

## Settings
settings-title = Mes réglages
settings-hint = Comment Vigil vous parle et vous écrit. Chaque changement est inscrit au journal d'administration.
settings-language = Langue
settings-language-browser = La langue de mon navigateur (actuellement { $now })
settings-language-hint = Des pages et de vos courriels. Tant que vous suivez votre navigateur, les courriels sont en anglais : un courriel ne peut pas interroger votre navigateur.
settings-time-zone = Fuseau horaire
settings-time-zone-delegation = Celui de ma délégation ({ $zone })
settings-time-zone-utc = Aucun : heures en UTC
settings-time-zone-hint = Les heures des pages et de vos courriels, et celles des rappels qui vous sont adressés à vous seul.
settings-digest = Mes rappels en un courriel par jour
settings-digest-hint = Sinon, chaque rappel arrive à son échéance.
settings-save = Enregistrer mes réglages
settings-saved = Vos réglages sont enregistrés.
settings-invalid = Choisissez une langue et un fuseau horaire dans les listes.

## The workflows reference page
workflows-title = Procédures
workflows-one = Procédure
workflows-version = version { $version }
workflows-graph-label = Automate : { $workflow }
workflows-graph-caption = { $workflow } : survolez une flèche pour voir ses actions.
graph-arrow = { $action } ({ $roles })
graph-arrow-branch = { $action }, { $field } : { $choice } ({ $roles })
graph-arrow-timer = { $action }, après { $after } (par Vigil)
workflows-steps = Étapes
workflows-actions = Actions
workflows-action = Action
workflows-from = Depuis
workflows-to = Vers
workflows-who = Qui
workflows-fields = Champs
workflows-first = première
workflows-final = finale
workflows-queued = dans la file d'examen du RSUE
workflows-reminder = Rappel : { $what } ; destinataires : { $to } ; { $when }
workflows-timer = Minuterie : après { $by }, { $action }
workflows-repeating = répété ({ $cron })
workflows-after-field = { $by } après { $field }
workflows-before-field = { $by } avant { $field }
workflows-after-entering = { $by } après l'entrée dans l'étape
workflows-any-open-state = toute étape ouverte
workflows-branch = selon { $field } : { $cases }
workflows-starts = reste ; ouvre { $workflow }
workflows-stays = reste
workflows-optional = facultatif
workflows-sealed = scellé
workflows-plain = en clair
workflows-type-text = texte
workflows-type-date = date
workflows-type-datetime = date et heure
workflows-type-bool = oui ou non
workflows-type-enum = un choix
workflows-type-integer = nombre entier
workflows-type-list = plusieurs choix
workflows-type-user = une personne
recipient-owner = le responsable du dossier
recipient-focal_point = les points focaux de la délégation
recipient-head_of_delegation = le chef de délégation
recipient-eusr_reviewers = le bureau du RSUE
duration-hours = { $n ->
    [one] { $n } heure
   *[other] { $n } heures
}
duration-days = { $n ->
    [one] { $n } jour
   *[other] { $n } jours
}
duration-weeks = { $n ->
    [one] { $n } semaine
   *[other] { $n } semaines
}
duration-working-days = { $n ->
    [one] { $n } jour ouvré
   *[other] { $n } jours ouvrés
}

## What the cases layer finds wrong with a field (after the field's name)
issue-country = doit être un code de pays de deux lettres, comme KE
issue-no-theme = doit nommer au moins un thème
issue-not-themes = contient un code qui n'est pas un thème
issue-not-theme = n'est pas un thème
issue-risk = doit être faible, moyen, élevé ou critique
issue-required-text = est obligatoire
issue-empty-text = ne doit pas être vide
issue-not-removable = ne peut pas être retiré
issue-owner = doit être un point focal ou un chef actif de la délégation du dossier
issue-unknown-workflow = n'est pas une procédure que Vigil connaît
issue-no-such-reference = ne désigne aucun dossier (les références ont la forme VG-2026-00042)
issue-not-case-procedure = n'est pas une procédure de ce dossier
issue-not-procedure-id = doit être l'identifiant d'une procédure
issue-nul = ne doit pas contenir de caractère NUL
issue-required = doit être indiqué
issue-missing = manque
issue-too-long = doit compter au plus { $max } caractères
issue-length = doit compter de 1 à { $max } caractères
issue-one-line = doit compter de 1 à { $max } caractères, sur une ligne
issue-page-size = doit être compris entre 1 et { $max }
issue-sequence-number = doit être un numéro d'ordre, 0 ou plus
issue-sort = doit être « newest » ou « due »
issue-cursor = n'est pas une page de cette liste
issue-not-in-vocabulary = doit être l'une des valeurs { $values }
issue-grant-role = doit être point focal, chef de délégation, examinateur du RSUE ou administrateur
issue-delegation-needed = doit être indiquée pour ce rôle
issue-no-delegation = doit être laissée vide pour ce rôle
issue-no-such-delegation = ne désigne aucune délégation
issue-not-email = n'est pas une adresse valide
issue-email-taken = appartient déjà à un utilisateur
issue-same-role = est déjà le rôle de cet utilisateur, dans la même délégation
issue-not-disabled = désigne un utilisateur qui n'est pas désactivé
issue-time-zone = doit être un fuseau horaire comme Europe/Brussels
issue-language = doit être un code de langue comme en ou fr
issue-recipient = doit être un destinataire age (age1…)
issue-not-file-name = doit être un nom de fichier, sans chemin
issue-control-characters = ne doit pas contenir de caractères de contrôle
issue-empty-file = ne doit pas être vide : une pièce jointe est un fichier qui a du contenu
issue-no-file-name = doit être indiqué
issue-not-text = n'est pas du texte
issue-not-calendar = n'est pas un fichier iCalendar (.ics)
issue-no-start = contient un événement sans date de début (DTSTART)
issue-bad-rule = contient un événement récurrent dont la règle (RRULE) est illisible
issue-event-too-long = contient un événement de plus de { $max } jours, ce qui n'est pas un jour férié
issue-too-many-holidays = contient plus de { $max } jours fériés
issue-day = doit être une date, comme 2026-12-25
issue-year = doit être une année, comme 2026
issue-month = doit être un mois, comme 2026-12
issue-dimension-twice = nomme deux fois la même dimension
issue-procedures-only = par procédure, étape ou issue relève du rapport sur les procédures
issue-too-many-dimensions = prend au plus deux dimensions
issue-parameters = ne prend que { $names }
issue-unknown-value = n'est pas une valeur que ce rapport connaît
issue-filter-and-grouping = ne peut pas être à la fois un filtre et un regroupement
issue-procedures-filter = ne filtre que le rapport sur les procédures
issue-before-from = précède le début
issue-period-too-long = donne une période de plus de { $max } mois
issue-format = doit être CSV, ou laissé vide
issue-field-file = Le fichier
issue-field-day = La date
issue-field-name = Le nom
issue-field-email = Adresse électronique
issue-field-role = Rôle
issue-field-delegation = Délégation
issue-field-user_id = L'utilisateur
issue-field-reason = Le motif
issue-field-reference = La référence
issue-field-from = Du
issue-field-to = Au
issue-field-by = Par
issue-field-year = L'année
issue-field-query = Le rapport
issue-field-format = Le format
issue-field-workflow = Procédure
issue-field-country = Pays
issue-field-region = Région
issue-field-theme = Thème
issue-field-risk = Risque
issue-field-time_zone = Fuseau horaire
issue-field-language = Langue
issue-field-filename = Le nom du fichier

## Why someone may not do what they asked
denied-opens-cases = Seuls les points focaux et les chefs de délégation ouvrent des dossiers.
denied-own-delegation-only = Vous ne pouvez ouvrir des dossiers que dans votre propre délégation.
denied-no-delegation = Vous n'appartenez à aucune délégation.
denied-starts-procedures = Seule la délégation du dossier y ouvre des procédures.
denied-edits-case = Seule la délégation du dossier le modifie.
denied-attaches-files = Seule la délégation du dossier y joint des fichiers.
denied-sees-no-cases = Votre rôle ne voit aucun dossier.
denied-lists-names = Les noms des défenseurs ne sont listés qu'au personnel de la délégation.
denied-review-queue = La file d'examen du RSUE est réservée au bureau du RSUE.
denied-takes-queue-items = Seul le bureau du RSUE prend en charge les éléments de sa file.
denied-not-in-queue = Cette procédure n'attend pas dans la file d'examen du RSUE.
denied-taken-by-colleague = Un collègue du bureau a pris cet élément en charge.
denied-admin-page = Cette page est réservée aux administrateurs.
denied-approvals-page = Cette page est réservée aux administrateurs et aux chefs de délégation.
denied-admin-log = Le journal d'administration est réservé aux administrateurs et aux chefs de délégation.
denied-asks-grants = Seuls les administrateurs demandent des droits.
denied-sees-grants = Les droits en attente sont réservés aux administrateurs et aux chefs de délégation.
denied-grant-waiting = Une demande pour cette personne attend déjà une décision.
denied-decided-already = Cette demande a déjà été tranchée.
denied-own-request = Vous l'avez demandé vous-même : une autre personne doit décider.
denied-about-you = Cela vous concerne : une autre personne doit décider.
denied-for-the-head = C'est au chef de la délégation { $delegation } de décider.
denied-for-an-admin = C'est à un autre administrateur de décider.
denied-erasure = Seuls les administrateurs demandent et approuvent un effacement.
denied-erasure-waiting = Un effacement de ce dossier attend déjà son approbation.
denied-reminder-queues = Les files de rappels sont réservées aux administrateurs.
denied-reads-holidays = Les jours fériés d'une délégation sont réservés à son personnel et aux administrateurs.
denied-sets-holidays = Les jours fériés d'une délégation sont fixés par les administrateurs.
denied-link-spent = Ce lien a expiré ou a déjà servi ; demandez-en un autre à votre administrateur.
denied-metrics = Les métriques sont réservées au jeton de métriques, aux adresses configurées et aux administrateurs.
denied-reports = Les rapports sont réservés aux chefs de délégation, au bureau du RSUE et au siège.
denied-head-without-delegation = Un chef de délégation appartient à une délégation.
denied-own-figures = Un chef de délégation voit les chiffres de sa propre délégation.
error-detail-not-found = Il n'y a rien ici, ou rien que vous puissiez voir.
error-detail-gone = Ce dossier a été effacé.
error-detail-conflict = Quelqu'un l'a modifié entre-temps ; relisez-le.
error-detail-too-many-attempts = Trop de tentatives de connexion échouées ; réessayez plus tard.
error-detail-csrf = Ce formulaire a expiré ou ne vient pas de Vigil ; rechargez la page et réessayez.

## Reports
reports-title = Rapports
reports-hint = Des nombres de dossiers tirés de leurs métadonnées en clair ; aucun dossier n'est ouvert. Un chiffre de moins de { $n } dossiers est masqué, comme tout chiffre qui permettrait de le retrouver à partir des totaux ou d'un rapport avec un filtre de moins. Chaque rapport que vous produisez est enregistré.
reports-annual-link = Le tableau du rapport annuel de cette année
reports-annual-link-hint = (les chiffres de l'année pour chaque délégation de votre périmètre, par procédure et par issue).
reports-report = Rapport
reports-from = Du (mois)
reports-to = Au (mois)
reports-group-by = Regrouper par
reports-then-by = puis par
reports-country-code = Pays (code)
reports-cannot-run = Ce rapport ne peut pas être produit :
reports-chart-title = Dossiers par { $by } ; le tableau ci-dessous donne les mêmes chiffres
reports-chart-caption = Dossiers par { $by }.
reports-cases = Dossiers
reports-by = par { $by }
reports-csv = Télécharger en CSV
reports-suppressed = masqué
reports-none = (aucun)
reports-total = Total
reports-open = en cours
report-cases = Dossiers
report-procedures = Procédures
dimension-delegation = Délégation
dimension-country = Pays
dimension-region = Région
dimension-theme = Thème
dimension-risk = Risque
dimension-workflow = Procédure
dimension-state = Étape
dimension-outcome = Issue
dimension-month = Mois
dimension-year = Année
annual-title = Tableau du rapport annuel
annual-title-year = Tableau du rapport annuel, { $year }
annual-hint = Les dossiers dont une procédure a commencé dans l'année, pour le rapport annuel de l'UE sur les droits de l'homme et la démocratie, comptés à partir de leurs métadonnées en clair ; aucun dossier n'est ouvert. Un chiffre de moins de { $n } dossiers est masqué, comme tout chiffre qui permettrait de le retrouver à partir des totaux. Chaque tableau que vous produisez est enregistré.
annual-years = Années
annual-year = Année :
annual-other-reports = Autres rapports
annual-cannot-make = Ce tableau ne peut pas être produit :
annual-by-delegation = Dossiers par délégation et par procédure, { $year }.
annual-outcomes = Issues par procédure, { $year } (en cours : pas encore clôturé)
annual-all-procedures = Toutes les procédures
annual-all-delegations = Toutes les délégations

## Administration
admin-title = Administration
admin-sent = Un lien à usage unique vers un nouveau jeton a été envoyé par courriel à { $to }. Il sert une fois, pendant 15 minutes ; le jeton ne s'affiche qu'à la personne qui l'ouvre. Personne d'autre, vous compris, ne le voit jamais.
admin-none-waiting = Aucune demande n'attend de décision.
admin-waiting = { $n ->
    [one] Une demande attend
   *[other] { $n } demandes attendent
} une décision
admin-two-people = Ajouter un utilisateur, changer un rôle ou une délégation et réactiver un utilisateur demandent deux personnes : vous demandez ici ; la cheffe ou le chef de la délégation (pour ses points focaux) ou un autre administrateur approuve sur la
admin-approvals-page = page des approbations
admin-users = Utilisateurs
admin-email = Courriel
admin-name = Nom
admin-status = État
admin-actions = Actions
admin-disabled = désactivé
admin-active = actif
admin-issue-token = Émettre un jeton
admin-issue-token-label = Émettre un jeton pour { $who }
admin-disable = Désactiver
admin-disable-label = Désactiver { $who }
admin-enable = Demander la réactivation
admin-enable-label = Demander la réactivation de { $who }
admin-other-role = Demander un autre rôle
admin-other-role-for = pour { $who }
admin-delegation-code = Code de la délégation
admin-ask-change = Demander le changement
admin-new-user = Demander un nouvel utilisateur
admin-delegation-hint = Pour les points focaux et les chefs de délégation, par exemple EUD_KE.
admin-ask-user = Demander l'utilisateur
admin-revoke-heading = Révoquer un jeton
admin-revoke-label = Jeton, ou les 8 chiffres hexadécimaux après
admin-revoke = Révoquer
admin-dead = Rappels et minuteries abandonnés
admin-none = Aucun.
admin-due = Échéance
admin-attempts = Tentatives
admin-retry = Réessayer
admin-erasure = Effacement
admin-erasure-hint = Effacer un dossier demande deux administrateurs : l'un demande, un autre approuve sur la
admin-erasure-hint-end = La clé du dossier est alors détruite ; seule demeure une trace avec sa référence.
admin-ask-erasure = Demander un effacement
admin-case-reference = Référence du dossier
admin-ask-erasure-button = Demander l'effacement
admin-done-disabled = L'utilisateur est désactivé ; ses jetons et ses sessions ont cessé de fonctionner.
admin-done-revoked = Le jeton est révoqué ; les sessions ouvertes avec lui ont pris fin.
admin-done-retried = L'élément sera réessayé au prochain passage.
admin-done-requested = L'effacement est demandé. Un autre administrateur doit l'approuver.
admin-done-asked_head = Le droit est demandé. Rien ne change tant que la cheffe ou le chef de la délégation ne l'a pas approuvé ; un courriel lui a été envoyé.
admin-done-asked_admin = Le droit est demandé. Rien ne change tant qu'un autre administrateur ne l'a pas approuvé.
admin-no-user = Cet utilisateur n'existe pas.
admin-not-dead = Cet élément n'est pas (ou plus) abandonné.
admin-erased-already = Ce dossier est déjà effacé.
log-title = Journal administratif
log-hint = Chaque acte administratif, du plus récent au plus ancien, avec son auteur. Le journal est chaîné par empreintes et ne fait que s'allonger ; des points de contrôle signés l'engagent.
log-who = Qui
log-about = Concerne
log-details = Détails
log-older = Entrées plus anciennes
log-operator = l'opérateur (ligne de commande)
kind-reminder = Rappel
kind-timer = Minuterie
act-user_added = Utilisateur ajouté
act-user_disabled = Utilisateur désactivé
act-token_link_sent = Lien de jeton envoyé
act-token_issued = Jeton émis
act-token_revoked = Jeton révoqué
act-erasure_requested = Effacement demandé
act-erasure_approved = Effacement approuvé
act-keys_rotated = Clés renouvelées
act-index_rebuilt = Index reconstruit
act-grant_requested = Droit demandé
act-grant_approved = Droit approuvé
act-grant_refused = Droit refusé
act-user_changed = Utilisateur modifié
act-user_enabled = Utilisateur réactivé
act-delegation_added = Délégation ajoutée
act-preferences_changed = Préférences modifiées
act-reminder_retried = Rappel réessayé
act-holidays_changed = Jours fériés modifiés

## Error pages
error-status = Statut HTTP { $n }.
error-back = Retour à Vigil
error-internal = Une erreur s'est produite sur le serveur. L'identifiant de requête X-Request-Id la désigne à votre administrateur.
error-400 = Requête incorrecte
error-403 = Accès refusé
error-404 = Introuvable
error-409 = Conflit
error-413 = Envoi trop volumineux
error-422 = Demande impossible à traiter
error-429 = Trop de requêtes
error-500 = Erreur interne du serveur
error-503 = Service indisponible

## The picture of a procedure
case-graph-label = Machine à états de { $workflow } ; étape actuelle : { $state }

## Problems with a form's fields
problem-missing = est obligatoire
problem-unknown = contient un champ que cette action ne prend pas
problem-yes-no = doit être oui ou non
problem-whole-number = doit être un nombre entier
problem-date-time = doit être une date et une heure
problem-empty = ne doit pas être vide
problem-nul = ne doit pas contenir de caractère NUL
problem-too-long = doit compter au plus { $max } caractères
problem-one-line = doit tenir sur une ligne
problem-range = doit être compris entre { $min } et { $max }
problem-choice = doit être l'un des choix proposés
problem-choices = doit être des choix proposés, chacun une fois
problem-date = doit être une date
problem-user = doit être l'une des personnes proposées
problem-text = doit être du texte

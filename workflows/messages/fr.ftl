# Textes français des courriels de Vigil (voir en.ftl). Un texte absent d'ici est pris en
# anglais.

## Les mots autour de chaque rappel.

email-case = Dossier
email-procedure = Procédure
email-step = Étape
email-due = Échéance
email-open_case = Ouvrir le dossier
email-footer = Ce rappel ne nomme personne à dessein ; le dossier contient les détails.
email-digest_subject = Vos rappels
email-digest_intro = Ces rappels sont arrivés à échéance depuis votre dernier récapitulatif.

## Ce que dit chaque rappel.

reminder-handoff = Pour vous : cette étape de la procédure attend votre action
reminder-demarche-chase_reply = Relancer la réponse à la démarche
reminder-demarche-clearance_due = La validation de la démarche est attendue
reminder-demarche-decision_due = Décision attendue
reminder-demarche-delivery_due = Remettre la démarche
reminder-demarche-no_reply_30_days = Pas de réponse à la démarche après 30 jours
reminder-demarche-record_expected_reply = Indiquer quand une réponse est attendue
reminder-dialogue-chase_response = Relancer la réponse au cas soulevé lors du dialogue
reminder-dialogue-endorsement_due = L'aval de la proposition pour le dialogue est attendu
reminder-dialogue-hq_decision_overdue = La décision du siège sur la proposition est en retard
reminder-dialogue-hq_decision_pending = La décision du siège sur la proposition est en attente
reminder-dialogue-record_raised_and_debrief = Consigner que le cas a été soulevé, et débriefer
reminder-dialogue-submit_proposal = Soumettre la proposition pour le dialogue
reminder-eusr_review-acknowledge = Accuser réception du cas transmis
reminder-eusr_review-information_due = Les informations demandées sont attendues
reminder-eusr_review-review_date = La date de l'examen est arrivée
reminder-eusr_review-weekly_open = L'examen est toujours ouvert
reminder-protection-chase_acknowledgement = Relancer l'accusé de réception de la saisine
reminder-protection-chase_decision = Relancer la décision sur la saisine
reminder-protection-check_in_1_month = Point d'étape : un mois de protection
reminder-protection-check_in_3_months = Point d'étape : trois mois de protection
reminder-protection-check_in_6_months = Point d'étape : six mois de protection
reminder-protection-decision_due = La décision sur la saisine est attendue
reminder-protection-endorsement_due = L'aval de la saisine est attendu
reminder-protection-no_acknowledgement = La saisine n'a pas fait l'objet d'un accusé de réception
reminder-protection-return_or_extension_plan = Préparer le retour ou une prolongation
reminder-protection-send_referral = Envoyer la saisine
reminder-protection-visa_expiring = Un visa arrive à expiration
reminder-trial-appeal_deadline = Le délai d'appel approche
reminder-trial-approval_due = L'approbation de l'observation du procès est attendue
reminder-trial-confirm_access = Confirmer l'accès à l'audience
reminder-trial-confirm_logistics = Confirmer la logistique de l'observation
reminder-trial-decide_follow_up = Décider des suites à donner au verdict
reminder-trial-hearing_in_7_days = Audience dans 7 jours
reminder-trial-hearing_in_7_days_unapproved = Audience dans 7 jours, observation pas encore approuvée
reminder-trial-hearing_tomorrow = Audience demain
reminder-trial-notify_authorities = Informer les autorités de l'observation
reminder-trial-record_attendance = Consigner la présence à l'audience
reminder-trial-report_due = Le rapport d'observation est attendu
reminder-trial-report_overdue = Le rapport d'observation est en retard
reminder-trial-report_overdue_escalated = Le rapport d'observation est en retard et a été signalé

## Le lien de connexion.

sign-in-link = Quelqu'un (vous, espérons-le) a demandé à se connecter à Vigil avec cette adresse.
    .subject = [Vigil] Votre lien de connexion
    .action = Se connecter à Vigil
    .lifetime = Le lien sert une fois, pendant { $minutes } minutes. Si vous ne l'avez pas demandé, ignorez ce courriel.

## Un lien vers un nouveau jeton d'API.

token-link = Un administrateur de Vigil a demandé un jeton d'API pour vous.
    .subject = [Vigil] Votre jeton d'API
    .action = Obtenir votre jeton
    .lifetime = Le lien sert une fois, pendant { $minutes } minutes ; le jeton s'affiche une seule fois sur la page qu'il ouvre. Si vous ne l'attendiez pas, prévenez votre administrateur.

## La règle des quatre yeux : une demande qui attend une seconde personne, et sa décision.

four-eyes-waiting = Demandes en attente de décision
grant-requested = { $requester } a demandé { $kind } : { $grant }. La demande attend l'approbation de { $approver } ; rien ne change d'ici là.
    .subject = [Vigil] Droit demandé : { $grant }
grant-approved = { $decider } a approuvé { $kind } : { $grant }. C'est en vigueur dès maintenant.
    .subject = [Vigil] Droit approuvé : { $grant }
grant-refused = { $decider } a refusé { $kind } : { $grant }. Rien n'a changé.
    .subject = [Vigil] Droit refusé : { $grant }
grant-of-delegation = { $email } comme { $role } de { $delegation }
grant-of-nowhere = { $email } comme { $role }
grant-kind-new_user = un nouvel utilisateur
grant-kind-change = un changement de rôle
grant-kind-re_enable = une réactivation
approver-head = la cheffe ou le chef de la délégation { $delegation }
approver-admin = un autre administrateur
role-focal_point = point focal
role-head_of_delegation = chef de délégation
role-eusr_reviewer = examinateur du bureau du RSUE
role-hq_analyst = analyste du siège
role-admin = administrateur
erasure-requested = { $requester } a demandé l'effacement du dossier { $reference } de { $delegation } ({ $reason }). La demande attend l'approbation d'un autre administrateur.
    .subject = [Vigil] Effacement demandé : { $reference }
erasure-done = { $approver } a approuvé l'effacement du dossier { $reference } de { $delegation } : sa clé est détruite, seule sa trace demeure.
    .subject = [Vigil] Dossier effacé : { $reference }
erasure-reason-defender_request = à la demande du défenseur
erasure-reason-retention_expired = sa durée de conservation est écoulée
erasure-reason-data_protection_order = sur décision en matière de protection des données
erasure-reason-opened_in_error = ouvert par erreur
